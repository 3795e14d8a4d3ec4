"""Loopback HTTP servers that speak cloud APIs which have no emulator, shaped from each
provider's API reference: the demo serves its estate with them and the tests run the real,
unmodified SDKs against them. Each checks the caller's credentials header and refuses any
operation it does not serve."""
