import re

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse, reverse_lazy

from . import factors, images, webhooks
from .adr_files import importer
from .adr_files.importer import collection_slug
from .contracts.reader import is_contract_file
from .models import Comment, Decision, Flow, Review, Service, Team, WebhookSubscription, person_name
from .search import query
from .tags import split_tags

SECTION_LIMIT = 50_000
REASON_LIMIT = 5_000
GATE_CHOICES = [
    ("true", "Yes: the caller waits for the answer"),
    ("false", "No: the caller can go on and learn the outcome later"),
]


def _limited(field: forms.Field, limit: int) -> forms.Field:
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = limit
    note = f"Up to {limit:,} characters."
    field.help_text = f"{field.help_text} {note}".strip()
    return field


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """Collapse whitespace and drop control characters, which no title or name needs."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())


MAX_ID = 2**63 - 1  # the largest key both databases hold


def _beyond_any_id(value) -> bool:
    try:
        return not 0 < int(str(value)) <= MAX_ID
    except ValueError:
        return False  # not a number: the field itself says so


class IdChoiceField(forms.ModelChoiceField):
    """A model choice that refuses, as an unknown choice, a number no database could hold."""

    def to_python(self, value):
        if value not in self.empty_values and _beyond_any_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if _beyond_any_id(pk):
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                      params={"value": str(pk)[:40]})  # fmt: skip
        return super()._check_values(value)


# A decision's id as people write it, at the start of the text: "20", "ADR-20", "adr 0020", "ADR-12 Use Kafka".
ADR_ID = re.compile(r"^\s*(?:ADR[-\s]?)?0*(\d{1,7})\b", re.IGNORECASE)


class DecisionPickField(IdChoiceField):
    """A decision named by its id as people write it ("ADR-0012", "12", "ADR-12 Use Kafka"), typed
    or picked from the suggestions the server finds as you type (decision_pick)."""

    default_error_messages = {
        "invalid_choice": "No decision has that id. Type its number, such as ADR-12, or pick one of the suggestions."
    }

    def prepare_value(self, value):
        if isinstance(value, int):
            value = self.queryset.filter(pk=value).first()
        if isinstance(value, Decision):
            return f"{value.code} {value.title}"
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        match = ADR_ID.match(str(value))
        decision = self.queryset.filter(number=int(match.group(1))).first() if match else None
        if decision is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return decision


ID_FIELDS = {"flow": IdChoiceField, "supersedes": IdChoiceField, "team": IdChoiceField,
             "producer": IdChoiceField, "owner_team": IdChoiceField, "consumers": IdMultipleChoiceField}  # fmt: skip


def _gate_value(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


NOT_PICKED = "not-picked"


class DecisionForm(forms.ModelForm):
    MARKDOWN_SECTIONS = ("context", "decision_text", "consequences", "considered_options", "other_sections")
    # The revision this edit started from, to refuse saving over someone else's newer change.
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    caller_needs_result = forms.TypedChoiceField(
        label=factors.SYNC_GATE_QUESTION,
        help_text=factors.SYNC_GATE_HINT,
        choices=GATE_CHOICES,
        coerce=_gate_value,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Decision
        fields = [
            "title",
            "flow",
            "caller_needs_result",
            "sync_reason",
            "visibility",
            "visibility_reason",
            "growth",
            "growth_reason",
            "coordination",
            "coordination_reason",
            "coupling",
            "coupling_reason",
            "style",
            "justification",
            "logic_location",
            "context",
            "decision_text",
            "consequences",
            "considered_options",
            "other_sections",
            "deciders",
            "tags",
            "decided_on",
            "revisit_on",
            "supersedes",
        ]
        field_classes = ID_FIELDS | {"supersedes": DecisionPickField}
        widgets = {
            "supersedes": forms.TextInput(
                attrs={
                    "list": "supersedes-options",
                    "autocomplete": "off",
                    "placeholder": "ADR number or title",
                    "hx-get": reverse_lazy("decision_pick"),
                    "hx-trigger": "input changed delay:250ms",
                    "hx-target": "#supersedes-options",
                    "hx-sync": "this:replace",
                }  # fmt: skip
            ),
            "decided_on": forms.DateInput(attrs={"type": "date"}),
            "revisit_on": forms.DateInput(attrs={"type": "date"}),
            "style": forms.RadioSelect,
        }

    def __init__(self, *args, saving: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.saving = saving
        if self.instance.pk and not self.is_bound:
            self.initial["revision"] = self.instance.latest_revision_id()
        if self.instance.pk is None and not self.is_bound:
            # Nothing picked yet: "None" (the empty value) is an answer, not a default. The
            # radios check the option equal to the initial value, so give one that none has.
            self.initial["style"] = NOT_PICKED
        if self.instance.caller_needs_result is not None:
            self.initial["caller_needs_result"] = "true" if self.instance.caller_needs_result else "false"
        self.fields["flow"].queryset = Flow.objects.order_by("name")
        self.fields["flow"].empty_label = "No flow: a general decision"
        self.fields["supersedes"].queryset = Decision.objects.only("number", "title")
        self.fields["supersedes"].help_text = "The decision this one replaces: type its number or words of its title."
        self.fields["style"].choices = [
            ("sync", "Sync: the caller waits for the answer"),
            ("command", "Command: send “do this” to one known receiver"),
            ("event", "Event: publish “this happened” for whoever cares"),
            ("", "None: a general decision, not about one flow's style"),
        ]
        for factor in factors.FACTORS:
            field = self.fields[factor.key]
            field.label = factor.question
            field.help_text = factor.hint
            field.choices = [(level.value, level.label) for level in factor.levels]
            field.widget = forms.RadioSelect(choices=field.choices)
            _limited(self.fields[f"{factor.key}_reason"], REASON_LIMIT)
        for name in self.MARKDOWN_SECTIONS:
            _limited(self.fields[name], SECTION_LIMIT)
            self.fields[name].widget.attrs.update(
                {
                    "rows": 8,
                    "hx-post": reverse("markdown_preview"),
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": f"#preview-{name}",
                    "hx-swap": "innerHTML",
                }
            )
        for name in ("sync_reason", "justification", "logic_location"):
            _limited(self.fields[name], REASON_LIMIT)
        for name, field in self.fields.items():
            if name.endswith("_reason") or name in ("justification", "logic_location"):
                field.widget.attrs["rows"] = 3
        self.fields["title"].error_messages["required"] = "Give the decision a title."
        self.fields[
            "title"
        ].help_text = "Up to 200 characters. Say what was decided, e.g. “Publish OrderPlaced as an event”."

    def clean_title(self) -> str:
        return one_line(self.cleaned_data["title"])

    def clean_tags(self) -> str:
        tags, rejected = split_tags(self.cleaned_data["tags"].split(","))
        if rejected:
            raise ValidationError(
                f"“{rejected[0][:40]}” is not a tag we can keep: use letters, digits, spaces and . _ / + -, "
                "up to 40 characters, starting with a letter or digit."
            )
        return tags

    def clean_supersedes(self) -> Decision | None:
        supersedes = self.cleaned_data["supersedes"]
        if supersedes and self.instance.pk and supersedes.pk == self.instance.pk:
            raise ValidationError("A decision cannot supersede itself.")
        return supersedes

    def changes(self) -> dict:
        """The model fields this form changed, with their cleaned values (after is_valid)."""
        return {name: getattr(self.instance, name) for name in self.changed_data if name in self._meta.fields}

    def _post_clean(self) -> None:
        """The model's own checks, when the form is to be saved: the live panel (saving=False) only
        reads the answers, and the checks cost it two queries (the flow again, the constraints)."""
        if self.saving:
            super()._post_clean()

    def assessment(self) -> factors.Assessment:
        """The recommendation for whatever has been answered, valid or not."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return factors.recommend(data.get("caller_needs_result"), {f.key: data.get(f.key) for f in factors.FACTORS})

    def clean(self) -> dict:
        data = super().clean()
        gate = data.get("caller_needs_result")
        if data.get("flow") and gate is None and "caller_needs_result" not in self.errors:
            self.add_error("caller_needs_result", "Answer this first: it decides whether the factors apply.")
        if gate is True:
            if not data.get("sync_reason", "").strip():
                self.add_error("sync_reason", "Explain why the caller cannot wait for the result.")
            for factor in factors.FACTORS:
                data[factor.key] = None
                data[f"{factor.key}_reason"] = ""
        elif gate is False:
            for factor in factors.FACTORS:
                if data.get(factor.key) is None and factor.key not in self.errors:
                    self.add_error(factor.key, f"Pick the level that fits: {factor.name.lower()}.")
                elif data.get(factor.key) is not None and not data.get(f"{factor.key}_reason", "").strip():
                    self.add_error(f"{factor.key}_reason", "Say why you picked this level.")
        self._clean_choice(data)
        return data

    def _clean_choice(self, data: dict) -> None:
        assessment = self.assessment()
        style = data.get("style", "")
        if assessment.complete and not style:
            self.add_error("style", "Pick the style you chose for this flow.")
        elif (
            assessment.complete
            and factors.needs_justification(assessment, style)
            and not data.get("justification", "").strip()
        ):
            if assessment.recommendation is factors.Recommendation.BALANCED:
                message = "The factors are balanced: say what matters more here, visibility or decoupling, and why."
            else:
                message = (
                    f"You chose {style or 'no style'} against the recommendation "
                    f"({assessment.recommendation.label}): say what matters more here, visibility or "
                    "decoupling, and why."
                )
            self.add_error("justification", message)
        if style in factors.LOGIC_LOCATION_HINTS and not data.get("logic_location", "").strip():
            self.add_error("logic_location", f"Say where the logic lives. {factors.LOGIC_LOCATION_HINTS[style]}")


class CatalogForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limited(self.fields["description"], SECTION_LIMIT)

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"])
        if not name:
            raise ValidationError("Give it a name.")
        return name


class TeamForm(CatalogForm):
    class Meta:
        model = Team
        fields = ["name", "description", "members"]
        field_classes = {"members": IdMultipleChoiceField}
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        members.queryset = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        members.label_from_instance = person_name


class ServiceForm(CatalogForm):
    class Meta:
        model = Service
        fields = ["name", "team", "description", "repository", "contacts"]
        field_classes = ID_FIELDS


class FlowForm(CatalogForm):
    class Meta:
        model = Flow
        fields = ["name", "producer", "consumers", "owner_team", "description"]
        field_classes = ID_FIELDS
        widgets = {"consumers": forms.CheckboxSelectMultiple}
        help_texts = {"consumers": "Every service that receives what the producer sends."}

    def clean(self) -> dict:
        data = super().clean()
        producer, consumers = data.get("producer"), data.get("consumers")
        if producer and consumers and producer in consumers:
            self.add_error("consumers", f"{producer} produces this flow, so it cannot also consume it.")
        return data


class MarkdownPreviewForm(forms.Form):
    text = forms.CharField(required=False, max_length=SECTION_LIMIT)


COMMENT_LIMIT = 20_000


class CommentForm(forms.ModelForm):
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": "Comment"}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"body": {"required": "Write something before posting."}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limited(self.fields["body"], COMMENT_LIMIT)
        self.fields["body"].help_text = f"Markdown. {self.fields['body'].help_text}"


class ReviewForm(forms.ModelForm):
    verdict = forms.ChoiceField(
        choices=[(Review.Verdict.APPROVE, "Approve"), (Review.Verdict.REQUEST_CHANGES, "Request changes")],
        widget=forms.RadioSelect,
        label="Your verdict",
    )

    class Meta:
        model = Review
        fields = ["verdict", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limited(self.fields["body"], COMMENT_LIMIT)
        self.fields["body"].help_text = f"Markdown. Required when you request changes. {self.fields['body'].help_text}"


class ProposeForm(forms.Form):
    reviewers = IdMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one reviewer."},
        help_text="They are asked by e-mail and in the app.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_LIMIT)

    def __init__(self, *args, reviewers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewers
        self.fields["reviewers"].label_from_instance = person_name


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Decision.Status.choices)
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_LIMIT,
        help_text="Why. Required when rejecting.",
    )


SORT_CHOICES = [
    ("", "Best first"),
    ("relevance", "Relevance"),
    ("newest", "Newest"),
    ("oldest", "Oldest"),
    ("number", "Number"),
]


def _level_filter(factor: factors.Factor) -> forms.TypedChoiceField:
    """A factor's levels, in the form's own words (“stable”, “some”, “many”)."""
    choices = [("", "Any"), *factor.choices]
    return forms.TypedChoiceField(label=factor.name, choices=choices, coerce=int, required=False, empty_value=None)


class LogFilterForm(forms.Form):
    """The log's query, filters and sort, all read from the URL. Invalid values are dropped, not fatal."""

    q = forms.CharField(
        label="Search", required=False, max_length=200,
        help_text='Words, "a phrase", -exclude, OR. Up to 200 characters.',
    )  # fmt: skip
    style = forms.MultipleChoiceField(
        choices=[c for c in Decision.Style.choices if c[0]], required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.MultipleChoiceField(
        choices=Decision.Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    team = IdChoiceField(queryset=Team.objects.only("name"), required=False, empty_label="Any team")
    service = IdChoiceField(queryset=Service.objects.only("name"), required=False, widget=forms.HiddenInput)
    flow = IdChoiceField(queryset=Flow.objects.only("name"), required=False, widget=forms.HiddenInput)
    tag = forms.CharField(required=False, max_length=40)
    filed_from = forms.DateField(label="Filed from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    filed_to = forms.DateField(label="Filed until", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    against = forms.BooleanField(label="Went against the recommendation", required=False)
    visibility = _level_filter(factors.VISIBILITY)
    growth = _level_filter(factors.GROWTH)
    coordination = _level_filter(factors.COORDINATION)
    coupling = _level_filter(factors.COUPLING)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    FILTERS = ("style", "status", "team", "service", "flow", "tag", "filed_from", "filed_to", "against",
               "visibility", "growth", "coordination", "coupling")  # fmt: skip

    def clean_q(self) -> str:
        """The search text, or nothing when it holds no word to look for; what it could not use
        is listed by ignored()."""
        text = one_line(self.cleaned_data["q"])
        parsed = query.parse(text)
        self.unused_search = parsed.ignored
        return text if not parsed.is_empty else ""

    def clean_tag(self) -> str:
        return one_line(self.cleaned_data["tag"]).lower()

    def criteria(self) -> dict:
        """The valid values given, whatever else was wrong."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [], False)}

    def filters_described(self) -> list[tuple[str, str, str]]:
        """(name, label, value in words) for each filter in use: "Coordination cost", "they already run it"."""
        described = []
        for name, value in self.criteria().items():
            if name not in self.FILTERS:
                continue
            field = self.fields[name]
            if isinstance(value, list):
                choices = dict(field.choices)
                shown = ", ".join(str(choices[v]) for v in value)
            elif name == "against":
                shown = "yes"
            elif name in factors.FACTORS_BY_KEY:
                shown = factors.FACTORS_BY_KEY[name].level(value).short
            else:
                shown = str(value)
            described.append((name, field.label or name.capitalize(), shown))
        return described

    def ignored(self) -> list[str]:
        unreadable = [f"{self.fields[name].label or name.capitalize()}: {' '.join(errors)}" for name, errors in
                      self.errors.items()]  # fmt: skip
        unused = getattr(self, "unused_search", [])
        if unused:
            shown = ", ".join(f"“{piece[:40]}”" for piece in unused[:10])
            unreadable.insert(0, f"Search: {shown}, which holds no word to look for")
        return unreadable


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".zip,.md,.markdown,.mdx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]  # nothing chosen: the "required" error


UPLOAD_LIMIT_MB = 20


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="ADR files",
        help_text=f"A .zip of your ADR folder, or Markdown files with the images they show. Up to "
        f"{UPLOAD_LIMIT_MB} MB in all, 10,000 files, 1 MB per file (5 MB per image).",
        error_messages={"required": "Choose a .zip or Markdown files to import."},
    )
    collection = forms.CharField(
        required=False,
        max_length=100,
        help_text="A name kept with each file's path, so importing the same collection again updates its "
        "decisions instead of adding copies. Leave empty to use the zip's name.",
    )
    skip_broken = forms.BooleanField(
        required=False, label="Import the other files even if some cannot be read (they are listed)"
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        if sum(upload.size for upload in files) > UPLOAD_LIMIT_MB * 1_000_000:
            raise ValidationError(f"The files come to more than {UPLOAD_LIMIT_MB} MB. Import them in parts.")
        zips = [upload for upload in files if upload.name.lower().endswith(".zip")]
        if zips and len(files) > 1:
            raise ValidationError("Upload one zip on its own, or Markdown files without a zip.")
        return files

    def clean_collection(self) -> str:
        return collection_slug(one_line(self.cleaned_data["collection"]))


class ContractUploadForm(forms.Form):
    files = MultipleFileField(
        label="Contract files",
        widget=MultipleFileInput(attrs={"accept": ".zip,.yaml,.yml,.json"}),
        help_text=f"An AsyncAPI 2.x or 3.0 document (YAML or JSON) with any files it refers to, or a .zip of "
        f"AsyncAPI documents or of an EventCatalog catalog. Up to {UPLOAD_LIMIT_MB} MB in all.",
        error_messages={"required": "Choose an AsyncAPI document, or a .zip of documents or of a catalog."},
    )
    source = forms.CharField(
        max_length=200,
        help_text="Where these contracts come from, such as the team's repository. Importing the same source "
        "again replaces what it said before; other sources are kept.",
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        if sum(upload.size for upload in files) > UPLOAD_LIMIT_MB * 1_000_000:
            raise ValidationError(f"The files come to more than {UPLOAD_LIMIT_MB} MB.")
        if any(upload.name.lower().endswith(".zip") for upload in files) and len(files) > 1:
            raise ValidationError("Upload one zip on its own, or documents without a zip.")
        return files

    def clean_source(self) -> str:
        source = one_line(self.cleaned_data["source"])
        if not source:
            raise ValidationError("Name where these contracts come from.")
        return source

    def contract_files(self) -> list[tuple[str, bytes]]:
        """The contract files uploaded: a zip's, or the documents themselves. CollectionError says why
        a zip cannot be read."""
        uploads = self.cleaned_data["files"]
        if uploads[0].name.lower().endswith(".zip"):
            return importer.read_zip(uploads[0], wanted=is_contract_file)
        return [(upload.name, upload.read()) for upload in uploads]


class DriftAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Why the decision still holds", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the decision still holds: the note is kept on its timeline."},
    )  # fmt: skip


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="Address", max_length=500, assume_scheme="https",
        help_text="Where to send each event: a public http:// or https:// address.",
    )  # fmt: skip
    events = forms.MultipleChoiceField(
        choices=list(webhooks.EVENTS.items()), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one event to send."},
    )  # fmt: skip

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "format", "events", "active"]
        widgets = {"format": forms.RadioSelect}
        help_texts = {
            "name": "What it is for, such as “#payments channel” or “Service catalog”.",
            "active": "Untick to stop sending without losing the subscription and its log.",
        }

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"])
        if not name:
            raise ValidationError("Give it a name.")
        return name

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhooks.check_address(url)
        except webhooks.AddressRefused as refusal:
            raise ValidationError(str(refusal)) from None
        return url


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, so you can tell your tokens apart. Up to 100 characters."
    )

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"])
        if not name:
            raise ValidationError("Give the token a name.")
        return name


class AttachmentForm(forms.Form):
    image = forms.FileField(
        label="Image",
        help_text=f"PNG, JPEG, GIF, WebP or SVG, up to {images.MAX_IMAGE_BYTES // 1_000_000} MB.",
        error_messages={"required": "Choose an image to attach."},
    )
    name = forms.CharField(
        label="Name to link it by",
        required=False,
        max_length=300,
        help_text="The path the Markdown uses, such as images/flow.png. Leave empty to use the file's name; "
        "the same name again replaces the image.",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("image")
        if upload is None:
            return cleaned
        if upload.size > images.MAX_IMAGE_BYTES:
            raise ValidationError({"image": f"The image is larger than {images.MAX_IMAGE_BYTES // 1_000_000} MB."})
        name = images.clean_name(cleaned.get("name") or upload.name)
        if name is None or name.startswith("../"):
            raise ValidationError({"name": "Give a name ending in .png, .jpg, .gif, .webp or .svg, such as "
                                           "images/flow.png: no address, no leading / and no “..”."})  # fmt: skip
        data = upload.read()
        try:
            images.check(name, data)
        except images.NotAnImage as refusal:
            raise ValidationError({"image": f"This cannot be attached: {refusal}."}) from None
        cleaned["name"], cleaned["data"] = name, data
        return cleaned
