#!/bin/sh
# Run by the handler before starting the application when the deploy asks for it.
echo "updating $*"
