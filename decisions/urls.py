from django.urls import path

from .views import catalog, decisions, help, history

urlpatterns = [
    path("", decisions.decision_list, name="decision_list"),
    path("decisions/new/", decisions.decision_create, name="decision_create"),
    path("decisions/assess/", decisions.decision_assess, name="decision_assess"),
    path("decisions/<int:number>/", decisions.decision_detail, name="decision_detail"),
    path("decisions/<int:number>/edit/", decisions.decision_edit, name="decision_edit"),
    path("decisions/<int:number>/history/", history.decision_history, name="decision_history"),
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
