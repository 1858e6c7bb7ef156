from django.urls import path

from zhengyi.alerts import views_board

app_name = "board"
urlpatterns = [
    path("", views_board.board_page, name="page"),
    path("state.json", views_board.board_data, name="state"),
    # Served by the stream server (zhengyi.asgi_stream); here only a 410 saying so.
    path("stream", views_board.stream_elsewhere, name="stream"),
]
