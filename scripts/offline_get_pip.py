# -*- coding: utf-8 -*-
"""Stand-in for the get-pip script ansible-test downloads from a host these machines cannot reach.

ansible-test runs it inside each new sanity virtualenv with pip's arguments. It installs pip from
the interpreter's own ensurepip wheel, then the pinned packages ansible-test asked for from the
package index pip is configured for.
"""

import os
import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")

args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
env = dict(os.environ)
env.pop("PIP_CONFIG_FILE", None)  # ansible-test empties it; the machine's pip.conf holds the index
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], env=env, stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + args, env=env)
