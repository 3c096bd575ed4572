"""Background scheduler thread, started in every worker process like the real application."""

import logging
import threading
from pathlib import Path

import schedule

log = logging.getLogger("masclet")
BACKUP_DIR = Path("backups")  # relative to the working directory


def daily_backup() -> None:
    # The real application shells out to `docker exec ... pg_dump` here, which cannot work
    # outside Docker; the deployment's own database backup is the one that counts.
    log.info("scheduled backup: in-app backup skipped (see deployment backups) dir=%s", BACKUP_DIR)


def start_scheduler(interval: float = 30.0) -> threading.Event:
    BACKUP_DIR.mkdir(exist_ok=True)
    stop = threading.Event()
    scheduler = schedule.Scheduler()
    scheduler.every().day.at("02:00").do(daily_backup)

    def run() -> None:
        while not stop.wait(interval):
            scheduler.run_pending()

    threading.Thread(target=run, name="masclet-scheduler", daemon=True).start()
    log.info("scheduler started: daily backup at 02:00")
    return stop
