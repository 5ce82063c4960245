# The two commands of the README, and the steps of the second one.
SHELL := /bin/bash
.PHONY: preflight-lab test pytest sanity lint molecule bench ee ee-ubi9 sent-texts

preflight-lab:  ## the main job on the built-in simulated lab
	bash scripts/preflight_lab.sh

test:  ## every test
	bash scripts/test.sh

pytest:
	bash scripts/bootstrap.sh && . scripts/env.sh && pytest

sanity:
	bash scripts/bootstrap.sh && bash scripts/sanity.sh

lint:
	bash scripts/bootstrap.sh && . scripts/env.sh && ansible-lint

ee:  ## the execution environment on a Debian base made here, and the preflight inside it against the lab (root)
	bash scripts/ee_preflight.sh debian

ee-ubi9:  ## the execution environment as written: ubi9/python-311 (needs registry.access.redhat.com and Galaxy)
	bash scripts/ee_build.sh ubi9

molecule:
	bash scripts/bootstrap.sh && . scripts/env.sh && molecule test

bench:  ## cost per host of each playbook over winrm and psrp, the preflight at 1,000 agents (about 20 minutes), the report at 10,000
	bash scripts/bootstrap.sh && . scripts/env.sh && python benchmarks/run.py

sent-texts:  ## docs/sent-texts.sha256: the SHA-256 of every text the collection sends, captured by the lab
	bash scripts/bootstrap.sh && bash -c '. scripts/env.sh && python -m ansible_collections.apexone.upgrade.tests.security.sent_texts'
