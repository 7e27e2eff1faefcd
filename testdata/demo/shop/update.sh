#!/bin/sh
# Run by the handler before starting the application when a deploy event asks for it
# ("update": true): database migrations and the like would go here.
echo "shop: updating $*"
