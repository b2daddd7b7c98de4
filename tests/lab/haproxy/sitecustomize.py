# Loaded by Python at start-up (this folder is on PYTHONPATH): the Python 2 behaviour
# dockercloud-haproxy and python-dockercloud assume, before their first line (py3shim.py).
import py3shim  # noqa: F401
