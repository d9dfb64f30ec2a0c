#!/usr/bin/env bash
# Runs the django-q2 worker in the background and the development server in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
addr="${DEMO_ADDR:-127.0.0.1:8000}"
.venv/bin/python manage.py qcluster >var/qcluster.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  SSaaS back office is starting.
  Admin:  http://${addr}/admin/
  Login:  demo / demo          (superuser, all providers)
          provisioning / provisioning, billing / billing   (Harbour Voice staff)
            harbour-admin / harbour-admin   (Harbour Voice's provider administrator)
  Worker: django-q2 cluster, log in var/qcluster.log
  Stop with Ctrl-C.

MSG
.venv/bin/python manage.py runserver "$addr"
