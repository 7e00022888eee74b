"""One reading of a page number for every list: the pages, the API and the feeds.

People and scripts send anything as `page` (`abc`, `-1`, `0`, `1e9`, a 30-digit number):
anything that is not a whole number from 1 up is page 1, and a number past the end is the
last page. Never an error, and never an offset the database cannot hold.
"""

from django.core.paginator import Page, Paginator


def page_number(raw: object) -> int:
    """Any value as a page number of at least 1."""
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):  # int() refuses text of more than 4,300 digits too
        return 1
    return max(number, 1)


def page_of(paginator: Paginator, raw: object) -> Page:
    """The page `raw` asks for, or the last page when it is past the end."""
    return paginator.get_page(page_number(raw))


class LenientPages:
    """For list views: any `page` value gives a page, never a 404 (see page_of)."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = page_of(paginator, self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()
