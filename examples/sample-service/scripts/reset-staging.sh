#!/bin/sh
# Rebuild the staging environment from scratch.
set -eu
cd infra
terraform destroy -auto-approve
terraform apply -auto-approve
