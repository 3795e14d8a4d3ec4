"""What every account and region of a scan share, built once per process.

A botocore client costs about 7 ms of CPU to build, and a full scan builds one per service
and region of every account (112 for 14 services in 8 regions). Most of that is the same
work every time: reading and parsing the service's models, building its ``ServiceModel``
(whose caches of operations and shapes then fill again) and the client's class (one method
per operation, with its docstring: EC2 has 700). Here all three are done once per process
and shared by every thread, account and region. So is the TLS context: botocore gives
each client its own and hands urllib3 the CA bundle's path for every new connection, which
then reads and parses the whole bundle again (52 ms of CPU for Debian's bundle, for each of
the hundred-odd connections one account's scan opens). Shard workers are forked
after the parent has loaded what they need, so they do not repeat it either.

Two more things every client repeats are kept per process: the translation of event names
(botocore's aliases: each client starts with an empty cache, and a scan's clients make a
few calls each, so nearly every event name is translated afresh: a tenth of the probe's
CPU) and the environment's proxies for the endpoint (urllib walks every environment
variable twice per client to find them).
"""

from __future__ import annotations

import contextlib
import copy
import os
import socket
import ssl
import sys
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse
from urllib.request import getproxies_environment

import botocore.regions
from botocore.client import ClientCreator
from botocore.endpoint import EndpointCreator
from botocore.hooks import EventAliaser, NodeList, _PrefixTrie
from botocore.httpsession import URLLib3Session, create_urllib3_context, get_cert_path
from botocore.loaders import Loader
from botocore.utils import EVENT_ALIASES


class SharedLoader(Loader):  # type: ignore[misc]  # botocore has no type hints
    """botocore's loader, safe to share between threads.

    botocore caches what it loads per loader but fills the cache without a lock: 32
    threads asking for their first paginator at once each list every data directory and
    parse the same JSON (measured on the AWS benchmark: 33 directory sweeps and 335 model
    reads instead of one each, 17% of the probe's CPU). One lock makes the first reader
    load and the others wait for its copy.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()

    def list_available_services(self, type_name: str) -> Any:
        with self._lock:
            return super().list_available_services(type_name)

    def determine_latest_version(self, service_name: str, type_name: str) -> Any:
        with self._lock:
            return super().determine_latest_version(service_name, type_name)

    def list_api_versions(self, service_name: str, type_name: str) -> Any:
        with self._lock:
            return super().list_api_versions(service_name, type_name)

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        with self._lock:
            return super().load_service_model(service_name, type_name, api_version)

    def load_data_with_path(self, name: str) -> Any:
        with self._lock:
            return super().load_data_with_path(name)

    def warm(self, services: list[str]) -> None:
        """Read every model the given services' clients and paginators need, now."""
        for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry"):
            self.load_data(name)
        for service in services:
            for kind in ("service-2", "paginators-1", "endpoint-rule-set-1"):
                self.load_service_model(service, kind)


_LOADERS: dict[str | None, SharedLoader] = {}
_LOADERS_LOCK = threading.Lock()


def shared_loader() -> SharedLoader:
    """The process's loader (one per ``AWS_DATA_PATH``, which adds model directories)."""
    data_path = os.environ.get("AWS_DATA_PATH")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            # As botocore's own create_loader reads AWS_DATA_PATH.
            extra = [
                os.path.expanduser(os.path.expandvars(path))
                for path in (data_path or "").split(os.pathsep)
                if path
            ]
            loader = SharedLoader(extra_search_paths=extra)
            _LOADERS[data_path] = loader
        return loader


# --- service models and client classes -----------------------------------------------

_MODELS: dict[tuple[str, str | None], Any] = {}
_CLASSES: dict[tuple[str, str], type] = {}
_SHARING = threading.local()
_build_model = ClientCreator._load_service_model
_build_class = ClientCreator._create_client_class


def _shared_model(creator: Any, service_name: str, api_version: str | None = None) -> Any:
    """One ``ServiceModel`` per service while ``shared_client_classes`` is on: it is read
    only, and its caches (operations, shapes) then fill once instead of once per client."""
    if not getattr(_SHARING, "on", False):
        return _build_model(creator, service_name, api_version)
    key = (service_name, api_version)
    model = _MODELS.get(key)
    if model is None:
        model = _MODELS.setdefault(key, _build_model(creator, service_name, api_version))
    return model


def _shared_class(creator: Any, service_name: str, service_model: Any) -> Any:
    """One class per service and API version while ``shared_client_classes`` is on.

    A client's class holds only its operations' methods (each calls the instance's
    ``_make_api_call``) and what botocore's ``creating-client-class`` handlers add; the
    endpoint, credentials, events and connection pool live on the instance. So every
    client of a service can share one class, whatever its account or region.
    """
    if not getattr(_SHARING, "on", False):
        return _build_class(creator, service_name, service_model)
    key = (service_name, service_model.api_version)
    built = _CLASSES.get(key)
    if built is None:
        built = _CLASSES.setdefault(key, _build_class(creator, service_name, service_model))
    return built


# --- TLS -----------------------------------------------------------------------------

_TLS: dict[str, ssl.SSLContext] = {}
_TLS_LOCK = threading.Lock()


class SharedTlsSession(URLLib3Session):  # type: ignore[misc]  # botocore has no type hints
    """botocore's HTTP session with one TLS context per CA bundle in the process, the
    bundle read into it once; connections then verify against it as they did before."""

    def _get_ssl_context(self) -> ssl.SSLContext:
        bundle = get_cert_path(self._verify) if self._verify else None
        if not bundle:
            return super()._get_ssl_context()  # type: ignore[no-any-return]
        with _TLS_LOCK:
            context = _TLS.get(bundle)
            if context is None:
                context = create_urllib3_context()
                if os.path.isdir(bundle):
                    context.load_verify_locations(capath=bundle)
                else:
                    context.load_verify_locations(cafile=bundle)
                _TLS[bundle] = context
        return context

    def _setup_ssl_cert(self, conn: Any, url: str, verify: Any) -> None:
        super()._setup_ssl_cert(conn, url, verify)
        # Certificates are still required (cert_reqs); the bundle is in the context.
        conn.ca_certs = None


# --- what each client would work out again -------------------------------------------

_ALIASED_NAMES: dict[str, str] = {}  # event name → its name after botocore's aliases
_copy_trie_node = _PrefixTrie._recursive_copy


def _copied_trie_node(trie: Any, node: dict[str, Any]) -> dict[str, Any]:
    """botocore's copy of a node of the event handlers' trie, without ``copy.copy``'s
    dispatch for every node and list: each client copies the session's whole trie (some
    400 nodes), 0.6 ms of CPU done so, 0.3 ms done here."""
    if not getattr(_SHARING, "on", False):
        return _copy_trie_node(trie, node)  # type: ignore[no-any-return]
    copied: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, NodeList):
            copied[key] = NodeList(_copied(value[0]), _copied(value[1]), _copied(value[2]))
        elif isinstance(value, dict):
            copied[key] = _copied_trie_node(trie, value)
        else:
            copied[key] = value
    return copied


def _copied(handlers: Any) -> Any:
    return handlers[:] if handlers.__class__ is list else copy.copy(handlers)


_build_client = ClientCreator.create_client


def _shared_client(creator: Any, *args: Any, **kwargs: Any) -> Any:
    """A client whose event aliaser shares the process's cache of translated event names.

    The translation depends only on the name and the alias table; a client built with
    botocore's own table reads and fills the one cache (dict reads and writes are atomic,
    and a race only translates a name twice)."""
    client = _build_client(creator, *args, **kwargs)
    events = client.meta.events
    if (
        getattr(_SHARING, "on", False)
        and isinstance(events, EventAliaser)
        and events._event_aliases == EVENT_ALIASES
    ):
        events._alias_name_cache = _ALIASED_NAMES
    return client


_PROXY_VARIABLES = (
    *(
        name
        for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        for name in (base, base.upper())
    ),
    "REQUEST_METHOD",  # urllib ignores HTTP_PROXY under CGI
)
_PROXIES: dict[tuple[str | None, ...], dict[str, str]] = {}
_build_proxies = EndpointCreator._get_proxies


def _shared_proxies(creator: Any, url: str) -> Any:
    """The environment's proxies for ``url``, as botocore's ``get_environ_proxies`` gives
    them: urllib reads them from every environment variable, once per proxy settings here;
    whether the host is exempt (``no_proxy``) is still asked per URL. Other systems take
    proxies from their own settings too, and are asked as botocore asks."""
    if not getattr(_SHARING, "on", False) or sys.platform in ("darwin", "win32"):
        return _build_proxies(creator, url)
    key = tuple(os.environ.get(name) for name in _PROXY_VARIABLES)
    proxies = _PROXIES.get(key)
    if proxies is None:
        proxies = _PROXIES.setdefault(key, getproxies_environment())
    try:
        if urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
            urlparse(url).netloc, proxies
        ):
            return {}
    except (TypeError, socket.gaierror):  # as botocore's should_bypass_proxies
        pass
    return dict(proxies)  # botocore's own copy, as before


_PROVIDERS: dict[tuple[int, int, frozenset[str]], tuple[Any, Any, Any]] = {}
_build_provider = botocore.regions.EndpointProvider


def _shared_provider(
    ruleset_data: Any, partition_data: Any, excluded_params: set[str] | None = None
) -> Any:
    """One endpoint provider per service's rule set: building one parses the whole rule
    tree (a quarter of a client's cost); it is read only, and its answers are cached per set of
    parameters (functools' thread-safe cache), so every client of the service can ask one."""
    if not getattr(_SHARING, "on", False):
        return _build_provider(ruleset_data, partition_data, excluded_params)
    # The loader keeps each service's rules, so the same object comes back for every
    # client; the entry holds them too, so their ids cannot be reused for other data.
    key = (id(ruleset_data), id(partition_data), frozenset(excluded_params or ()))
    entry = _PROVIDERS.get(key)
    if entry is None:
        built = _build_provider(ruleset_data, partition_data, excluded_params)
        entry = _PROVIDERS.setdefault(key, (ruleset_data, partition_data, built))
    return entry[2]


_build_endpoint = EndpointCreator.create_endpoint


def _shared_endpoint(creator: Any, *args: Any, **kwargs: Any) -> Any:
    if getattr(_SHARING, "on", False):
        kwargs.setdefault("http_session_cls", SharedTlsSession)
    return _build_endpoint(creator, *args, **kwargs)


# botocore builds a new ClientCreator for every client and offers no way to pass one in,
# so models, classes and TLS contexts are shared where they are built; clients created
# outside ``shared_client_parts`` (anyone else's in this process) are built as botocore
# does.
ClientCreator._load_service_model = _shared_model
ClientCreator._create_client_class = _shared_class
ClientCreator.create_client = _shared_client
_PrefixTrie._recursive_copy = _copied_trie_node
EndpointCreator.create_endpoint = _shared_endpoint
EndpointCreator._get_proxies = _shared_proxies
botocore.regions.EndpointProvider = _shared_provider


def prebuild(services: list[str], region: str) -> None:
    """Load the models of ``services`` and build one unsigned client of each (it never
    calls), so their ``ServiceModel`` and class are cached: before a fork, every child then
    shares them instead of building its own."""
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config

    session = botocore.session.Session()
    session.register_component("data_loader", shared_loader())
    unsigned = Config(signature_version=UNSIGNED)
    with shared_client_parts():
        for service in services:
            session.create_client(service, region_name=region, config=unsigned)


@contextlib.contextmanager
def shared_client_parts() -> Iterator[None]:
    """Clients created in this thread, inside this block, share their service model,
    class and TLS context with every other client of the process."""
    _SHARING.on = True
    try:
        yield
    finally:
        _SHARING.on = False
