"""Python 2 behaviour that dockercloud-haproxy 1.6.7 and python-dockercloud 1.0.10 assume,
given back on Debian's python3 so that their unmodified sources run (test_haproxy.py).

Not their code, and none of their files changes: sitecustomize.py (this folder, on PYTHONPATH)
imports it before anything else.  Each item names the lines it lets run as written
(../../../docs/haproxy.md tells the whole story).  DCS_HAPROXY_DIR is where the files the image
would hold go (haproxy.cfg, the pid file, certificates), and DCS_HAPROXY_BIN the haproxy it runs.
"""
import base64
import builtins
import ctypes
import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
import urllib.parse

# Python 2 builtins.  python-dockercloud utils.py: isinstance(uri, basestring).
builtins.basestring = str
builtins.unicode = str


# dict.iteritems and os.environ.iteritems.  haproxy config.py parse_extra_frontend_settings:
# envvars.iteritems() on os.environ and on dicts.  Built-in types are closed: their real
# __dict__ is reached through gc and the type's method cache dropped.
def _add_method(cls, name, fn):
    if name not in cls.__dict__:
        gc.get_referents(cls.__dict__)[0][name] = fn
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


_add_method(dict, "iteritems", lambda self: iter(self.items()))
_add_method(dict, "itervalues", lambda self: iter(self.values()))
_add_method(dict, "iterkeys", lambda self: iter(self.keys()))
os._Environ.iteritems = lambda self: iter(self.items())

# base64.b64encode of text gives text.  python-dockercloud __init__.py / auth.py.
_b64encode = base64.b64encode
base64.b64encode = lambda s, altchars=None: (
    _b64encode(s.encode(), altchars).decode() if isinstance(s, str) else _b64encode(s, altchars))

# urljoin of text and bytes.  python-dockercloud http.py send_request:
# urljoin(rest_host.rstrip("/"), path.strip("/").encode("ascii", "ignore")).
_urljoin = urllib.parse.urljoin
urllib.parse.urljoin = lambda base, url, allow_fragments=True: _urljoin(
    base, url.decode() if isinstance(url, (bytes, bytearray)) else url, allow_fragments)

# Module urlparse.  haproxy parser/base_parser.py: `import urlparse`.
sys.modules["urlparse"] = urllib.parse


# Stand-ins for what only the other modes use.  haproxy main.py imports
# compose.cli.docker_client at start-up (docker-compose 1.6); Docker Cloud mode never calls it.
def _stub(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def _no_docker(*args, **kwargs):
    raise RuntimeError("docker-compose is not here: Docker Cloud mode only")


_stub("compose")
_stub("compose.cli")
_stub("compose.cli.docker_client", docker_client=_no_docker)


# The haproxy package, as Python 2 read it: implicit relative imports bound to the one module
# haproxy.<name> (main.py `import config`, `from eventhandler import ...`, ...), and filter,
# map and zip giving lists in its modules (helper/cloud_mode_link_helper.py keeps filter()'s
# result and reads it twice).  Its constants of the image's layout point into DCS_HAPROXY_DIR.
_PACKAGE = "haproxy"
_LISTS = {"filter": lambda *a: list(builtins.filter(*a)),
          "map": lambda *a: list(builtins.map(*a)),
          "zip": lambda *a: list(builtins.zip(*a))}
_aliases = None


def _siblings():
    """Every module and subpackage name of the package -> its full name (no two alike)."""
    global _aliases
    if _aliases is None:
        _aliases = {}
        spec = importlib.machinery.PathFinder.find_spec(_PACKAGE)
        roots = list(spec.submodule_search_locations or []) if spec else []
        for dirpath, dirs, files in os.walk(roots[0]) if roots else ():
            rel = os.path.relpath(dirpath, roots[0])
            pkg = _PACKAGE if rel == "." else _PACKAGE + "." + rel.replace(os.sep, ".")
            for f in files:
                if f.endswith(".py") and f != "__init__.py":
                    _aliases.setdefault(f[:-3], pkg + "." + f[:-3])
            for d in dirs:
                if os.path.exists(os.path.join(dirpath, d, "__init__.py")):
                    _aliases.setdefault(d, pkg + "." + d)
    return _aliases


def _image_layout(config):
    here = os.environ.get("DCS_HAPROXY_DIR", "/tmp")
    binary = os.environ.get("DCS_HAPROXY_BIN", "/usr/sbin/haproxy")
    config.CERT_DIR = os.path.join(here, "certs") + "/"
    config.CACERT_DIR = os.path.join(here, "cacerts") + "/"
    config.HAPROXY_CONFIG_FILE = os.path.join(here, "haproxy.cfg")
    config.HAPROXY_RUN_COMMAND = [binary, "-f", config.HAPROXY_CONFIG_FILE, "-db", "-q"]
    config.HAPROXY_CONFIG_CHECK_COMMAND = [binary, "-c", "-f", config.HAPROXY_CONFIG_FILE]
    config.PID_FILE = os.path.join(here, "dockercloud-haproxy.pid")


class _Py2Package(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        first, _, rest = name.partition(".")
        if first != _PACKAGE and first in _siblings():   # `import config` inside haproxy/
            spec = importlib.util.spec_from_loader(name, self)
            spec.loader_state = _siblings()[first] + ("." + rest if rest else "")
            return spec
        if first != _PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None:
            spec.loader = _Wrapped(spec.loader)
        return spec

    def create_module(self, spec):
        real = importlib.import_module(spec.loader_state)
        spec.loader_state = real.__spec__
        return real

    def exec_module(self, module):
        # Loading under the alias set its spec on the real module: give its own back.
        module.__spec__ = module.__spec__.loader_state


class _Wrapped(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__dict__.update(_LISTS)
        self.loader.exec_module(module)
        if module.__name__ == _PACKAGE + ".config":
            _image_layout(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


sys.meta_path.insert(0, _Py2Package())


# gevent 1.1's gevent.signal(signum, handler) is gevent.signal_handler in Debian's gevent 22.10,
# and once monkey.patch_all() ran the name gevent.signal is a module.  haproxy main.py:
# gevent.signal(signal.SIGUSR1, on_user_reload).  The module is made callable.
try:
    import gevent
    import gevent.signal as _gevent_signal
except ImportError:
    gevent = None
if gevent is not None:
    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return gevent.signal_handler(*args, **kwargs)

    _gevent_signal.__class__ = _CallableModule
    gevent.signal = _gevent_signal

# websocket-client >= 1.0 calls on_close(ws, status, reason); 0.37 called on_close(ws) for a
# callback taking ws alone.  python-dockercloud api/base.py StreamingAPI._on_close(self, ws).
try:
    import inspect
    import websocket
except ImportError:
    websocket = None
if websocket is not None:
    _ws_init = websocket.WebSocketApp.__init__

    def _py2_ws_init(self, *args, **kwargs):
        _ws_init(self, *args, **kwargs)
        cb = self.on_close
        try:
            params = list(inspect.signature(cb).parameters.values()) if cb else []
        except (TypeError, ValueError):
            return
        if cb and len(params) < 3 and not any(p.kind == p.VAR_POSITIONAL for p in params):
            self.on_close = lambda ws, *rest: cb(ws)

    websocket.WebSocketApp.__init__ = _py2_ws_init
