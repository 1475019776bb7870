#!/bin/sh
# The release's version is said once, the Makefile's VERSION: debian/changelog and the manual pages' headers must agree.
set -eu
make -s check-version
