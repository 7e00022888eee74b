from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .feeds import AcceptedFeed, SearchFeed
from .views import adr_files, catalog, comments, decisions, help, history, insights, people, review

urlpatterns = [
    path("", decisions.decision_list, name="decision_list"),
    path("decisions/import/", adr_files.adr_import, name="adr_import"),
    path("decisions/export.zip", adr_files.adr_export, name="adr_export"),
    path("decisions/new/", decisions.decision_create, name="decision_create"),
    path("decisions/assess/", decisions.decision_assess, name="decision_assess"),
    path("decisions/<int:number>/", decisions.decision_detail, name="decision_detail"),
    path("decisions/<int:number>/edit/", decisions.decision_edit, name="decision_edit"),
    path("decisions/<int:number>/history/", history.decision_history, name="decision_history"),
    path("decisions/<int:number>/propose/", review.decision_propose, name="decision_propose"),
    path("decisions/<int:number>/transition/", review.decision_transition, name="decision_transition"),
    path("decisions/<int:number>/review/", review.decision_review, name="decision_review"),
    path("decisions/<int:number>/comments/", comments.comment_create, name="comment_create"),
    path("comments/<int:pk>/edit/", comments.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/retract/", comments.comment_retract, name="comment_retract"),
    path("me/", people.my_work, name="my_work"),
    path("me/tokens/", people.api_tokens, name="api_tokens"),
    path("me/tokens/<int:pk>/revoke/", people.api_token_revoke, name="api_token_revoke"),
    path("notifications/", people.notification_list, name="notification_list"),
    path("notifications/read/", people.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/open/", people.notification_open, name="notification_open"),
    path("activity/", people.activity, name="activity"),
    path("overview/", insights.overview, name="overview"),
    path("flows/map/", insights.flow_map, name="flow_map"),
    path("revisit/", insights.revisit_queue, name="revisit_queue"),
    # The feeds check the session or a feed key themselves (see DecisionFeed).
    path("feeds/accepted/", login_not_required(AcceptedFeed()), name="feed_accepted"),
    path("feeds/search/", login_not_required(SearchFeed()), name="feed_search"),
    path("markdown/preview/", decisions.markdown_preview, name="markdown_preview"),
    path("help/factors/", help.factor_help, name="factor_help"),
    path("teams/", catalog.TeamList.as_view(), name="team_list"),
    path("teams/new/", catalog.TeamCreate.as_view(), name="team_create"),
    path("teams/<int:pk>/", catalog.TeamDetail.as_view(), name="team_detail"),
    path("teams/<int:pk>/edit/", catalog.TeamEdit.as_view(), name="team_edit"),
    path("services/", catalog.ServiceList.as_view(), name="service_list"),
    path("services/new/", catalog.ServiceCreate.as_view(), name="service_create"),
    path("services/<int:pk>/", catalog.ServiceDetail.as_view(), name="service_detail"),
    path("services/<int:pk>/edit/", catalog.ServiceEdit.as_view(), name="service_edit"),
    path("flows/", catalog.FlowList.as_view(), name="flow_list"),
    path("flows/new/", catalog.FlowCreate.as_view(), name="flow_create"),
    path("flows/<int:pk>/", catalog.FlowDetail.as_view(), name="flow_detail"),
    path("flows/<int:pk>/edit/", catalog.FlowEdit.as_view(), name="flow_edit"),
]
