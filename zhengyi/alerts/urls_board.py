from django.urls import path

from zhengyi.alerts import views_board

app_name = "board"
urlpatterns = [
    path("", views_board.board_page, name="page"),
    path("state.json", views_board.board_data, name="state"),
    path("stream", views_board.board_stream, name="stream"),
]
