# Infrastructure targets; included from the top-level Makefile.
#
#   make infra-lint                      package the dev stage and cfn-lint the result
#   make infra-package INFRA_STAGE=prod INFRA_OUT=out   package for a deploy (docs/deploy.md)
#
# `chalice package` writes sam.yaml when the merge template is YAML; the YAML it writes
# may use anchors/aliases (CloudFormation does not accept those), so the target also
# writes the same template as plain JSON: sam.json is what gets linted and deployed.
# The first package after a change to app.py/chalicelib/requirements.txt rebuilds the
# dependency zip (a minute or two); later ones reuse .chalice/deployments/.

BIN ?= .venv/bin
INFRA_STAGE ?= dev
INFRA_OUT ?= build/package
INFRA_REGION ?= $(or $(AWS_DEFAULT_REGION),$(AWS_REGION),us-west-2)

.PHONY: infra-package infra-lint

infra-package: $(STAMP)
	rm -rf $(INFRA_OUT)
	AWS_DEFAULT_REGION=$(INFRA_REGION) $(BIN)/chalice package --stage $(INFRA_STAGE) \
	  --merge-template infrastructure/resources.yaml $(INFRA_OUT)
	$(BIN)/python -m infrastructure.slim_package $(INFRA_OUT)/deployment.zip
	$(BIN)/python -c 'import json, sys, yaml; \
	  json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"), indent=2)' \
	  $(INFRA_OUT)/sam.yaml $(INFRA_OUT)/sam.json

infra-lint: infra-package
	$(BIN)/cfn-lint $(INFRA_OUT)/sam.json
