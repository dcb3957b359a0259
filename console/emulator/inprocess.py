"""The key pair the console's in-process client signs with (COGNITO_ENDPOINT=local).

The embedded service owns it: it is the service's answer to "which caller is the console
itself". The gateway imports it from here; nothing here knows the gateway. The pair is
public (it is in the source), so the service accepts it only for calls handed over in the
same process, never over HTTP.
"""

from __future__ import annotations

LOCAL_ACCESS_KEY = "AKIALOCALCONSOLE0000"
LOCAL_SECRET_KEY = "local-console-secret-not-used-for-anything"  # noqa: S105 - a placeholder
