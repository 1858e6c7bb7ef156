from django.urls import path, register_converter

from zhengyi.sunshine import feeds, views_public


class _Code:
    regex = "[A-Za-z0-9_-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Code, "code")

app_name = "public"
urlpatterns = [
    path("", views_public.home, name="home"),
    path("publications/", views_public.publication_list, name="list"),
    path("p/<code:station>/<code:number>/", views_public.publication_page, name="publication"),
    path("summaries/", views_public.summaries, name="summaries"),
    path("summaries/<code:station>/<int:year>-<int:month>/", views_public.summary_page, name="summary"),
    path("lookup/", views_public.lookup, name="lookup"),
    path("language/<code:code>/", views_public.switch_language, name="language"),
    path("feedback/", views_public.feedback, name="feedback"),
    path("feedback/thanks/", views_public.feedback_thanks, name="feedback_thanks"),
    path("feed/rss/", feeds.PublicationsRss(), name="rss"),
    path("feed/atom/", feeds.PublicationsAtom(), name="atom"),
    path("data/", views_public.open_data, name="open_data"),
    path("data/publications.<str:fmt>", feeds.publications_data, name="data_publications"),
    path("data/feedback.<str:fmt>", feeds.feedback_data, name="data_feedback"),
    path(
        "data/summaries/<code:station>/<int:year>-<int:month>.<str:fmt>",
        feeds.summary_data,
        name="data_summary",
    ),
]
