from django.core.management.base import BaseCommand

from ssaas.common.formats import day_time
from usage.collection.schedule import ensure_collection_schedule


class Command(BaseCommand):
    help = (
        "Create or update the project's django-q2 schedules (the daily AAPT collection at "
        "COLLECTION_TIME). Safe to run again: each schedule exists once."
    )

    def handle(self, *args, **options):
        schedule = ensure_collection_schedule()
        local = schedule.next_run.astimezone()
        self.stdout.write(f"{schedule.name}: daily, next run {day_time(local)} {local:%Z}.")
