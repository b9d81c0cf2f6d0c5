#!/bin/sh
# Installs the peers bench/peers.mjs compares Mailroom with, from Debian 12's archive (no rubygems.org, no PyPI):
# Rails 6.1 (Action Mailbox) with ruby-pg under Puma, and Django + django-anymail with psycopg2 under gunicorn.
# The peer apps themselves are the files beside this script (rails/, django/); nothing else is generated.
# Run as root (or through sudo): sh bench/peers/setup.sh   — or: npm run bench -- --peers --setup
set -eu
PACKAGES="ruby-rails ruby-pg puma python3-django-anymail python3-psycopg2 gunicorn"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES
ruby -e 'require "rails"; require "pg"; puts "rails #{Rails.version}, pg #{PG::VERSION}"'
/usr/bin/python3 -c 'import django, anymail, psycopg2; print("django", django.__version__, "anymail", anymail.__version__)'
puma --version
gunicorn --version
