"""The maker-side reference connector: bridges an MQTT device fleet to handshake's HTTP APIs.

It never touches the platform's database: it reads the shopper's grant, pushes change reports
and discovery over HTTP, answers signed directives, and enforces the grant on its own side too.
"""
