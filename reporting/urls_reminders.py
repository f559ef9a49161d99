from django.urls import path

from reporting import views_reminders

urlpatterns = [
    path("reminders/", views_reminders.reminder_log, name="reminder-log"),
    path("reminders/schedule/", views_reminders.reminder_schedule_view, name="reminder-schedule"),
]
