from urllib.parse import urlsplit

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy: scripts and styles only from our own static files,
    no inline script, no eval, no framing. Django 5.2 has no CSP support of its own."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            header = policy()
            if not response.streaming and DIAGRAM in response.content:
                # Mermaid draws with <style> elements and style attributes; scripts stay 'self' only,
                # and the sanitiser keeps authors' Markdown from carrying styles of its own.
                header = header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
            response.headers["Content-Security-Policy"] = header
        return response


DIAGRAM = b'<pre class="mermaid">'  # what decisions.markdown renders a ```mermaid fence as


def policy() -> str:
    """The policy, whose last directive (form-action) also lets signing out go on to the
    sign-in provider's end-session page when single sign-on is on."""
    if not settings.SSO_ISSUER:
        return settings.CONTENT_SECURITY_POLICY
    issuer = urlsplit(settings.SSO_ISSUER)
    return f"{settings.CONTENT_SECURITY_POLICY} {issuer.scheme}://{issuer.netloc}"
