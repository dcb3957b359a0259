"""SigV4 signature verification for the embedded service (on when EMULATOR_ACCESS_KEYS is set).

The signature we expect is computed by botocore's own signer (`SigV4Auth`) over the request
as it arrived: same method, path, body, and exactly the headers the client says it signed,
with the date, region and service of the client's credential scope. So a client passes when
it signs as AWS expects, and fails with the error AWS would answer.

Off by default: then any request is served, signed or not, as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials
from django.conf import settings

from .errors import AwsError
from .inprocess import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY

SERVICE = "cognito-identity"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = dt.timedelta(minutes=15)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

UNKNOWN_KEY = "The security token included in the request is invalid."
WRONG_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MISSING_TOKEN = "Missing Authentication Token"  # noqa: S105 - an error message, not a secret
INVALID_REGION = "Credential should be scoped to a valid region. "
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# Our wording (AWS's JSON services do not document theirs); S3 says much the same.
UNSIGNED_BODY = (
    "This service signs the request body: X-Amz-Content-SHA256 must be its SHA-256, not UNSIGNED-PAYLOAD."
)
BODY_MISMATCH = "The provided 'x-amz-content-sha256' header does not match what was computed."

_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-\d+")
_WHITESPACE = re.compile(r"\s")
# How much of a malformed header an error message quotes back.
_QUOTED = 256


class UnrecognizedClient(AwsError):
    code = "UnrecognizedClientException"


class InvalidSignature(AwsError):
    code = "InvalidSignatureException"


class IncompleteSignature(AwsError):
    code = "IncompleteSignatureException"


class MissingAuthenticationToken(AwsError):
    code = "MissingAuthenticationTokenException"


@dataclass(frozen=True)
class Authorization:
    """The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header."""

    access_key: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def enabled() -> bool:
    return bool(settings.EMULATOR_ACCESS_KEYS)


def accepted_keys(in_process: bool = False) -> dict[str, str]:
    """Access key id -> secret of every caller we accept.

    The console's own placeholder pair is in only for calls handed over in-process (its local
    client signs with it, so local mode keeps working when verification is on). It is published
    in this source: over HTTP it would let anyone in.
    """
    if in_process:
        return {LOCAL_ACCESS_KEY: LOCAL_SECRET_KEY, **settings.EMULATOR_ACCESS_KEYS}
    return dict(settings.EMULATOR_ACCESS_KEYS)


def is_region(name: str) -> bool:
    """Whether `name` is shaped like an AWS region (us-east-1, us-gov-west-1, ...)."""
    return len(name) <= 32 and _REGION.fullmatch(name) is not None


def credential_scope(authorization: str) -> tuple[str, str] | None:
    """(access key, region) an Authorization header's Credential names, verified or not.

    None when it names no well-formed scope. Plain string operations, so a huge or hostile
    header costs time in proportion to its length, never more.
    """
    start = authorization.find("Credential=")
    if start < 0:
        return None
    credential = authorization[start + len("Credential=") :].split(",", 1)[0]
    parts = _WHITESPACE.split(credential, maxsplit=1)[0].split("/", 3)
    if len(parts) < 4 or not parts[0]:
        return None
    date, region = parts[1], parts[2]
    if not (len(date) == 8 and date.isascii() and date.isdigit()) or not is_region(region):
        return None
    return parts[0], region


def verify(
    public: bool,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    in_process: bool = False,
) -> None:
    """Raise the AWS error for a request whose signature does not hold; return if it does.

    `public` operations may come unsigned; a signed call to one is still verified.
    `headers` have lower-case names, as `protocol.handle` gets them. `in_process` is true only
    for the console's own in-process calls, which may use the placeholder key pair.
    """
    value = headers.get("authorization")
    if not value:
        if public:
            return
        raise MissingAuthenticationToken(MISSING_TOKEN)
    authorization = parse_authorization(value)
    timestamp = _request_timestamp(headers, value)
    _check_scope(authorization, timestamp)
    _check_clock(timestamp)
    secret = accepted_keys(in_process).get(authorization.access_key)
    if secret is None:
        raise UnrecognizedClient(UNKNOWN_KEY)
    _check_body_hash(headers, body)
    expected = expected_signature(authorization, secret, timestamp, method, path, headers, body)
    if not hmac.compare_digest(expected, authorization.signature):
        raise InvalidSignature(WRONG_SIGNATURE)


def _check_body_hash(headers: Mapping[str, str], body: bytes) -> None:
    """The body received must be the one signed.

    SigV4 signs the body through its hash; when the client sends X-Amz-Content-SHA256, botocore's
    signer takes that header's word for the hash. So the header must be the hash of the body that
    arrived (else a signed request could carry any other body), and UNSIGNED-PAYLOAD, which
    signs no body at all, is refused.
    """
    claimed = headers.get("x-amz-content-sha256")
    if claimed is None:
        return
    if claimed.strip().upper() == UNSIGNED_PAYLOAD or claimed.strip().upper().startswith("STREAMING-"):
        raise InvalidSignature(UNSIGNED_BODY)
    if not hmac.compare_digest(claimed.strip().lower(), hashlib.sha256(body).hexdigest()):
        raise InvalidSignature(BODY_MISMATCH)


def parse_authorization(value: str) -> Authorization:
    """Split the header into its parts, or raise IncompleteSignatureException as AWS does."""
    algorithm, _, rest = value.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in filter(None, (piece.strip() for piece in rest.split(","))):
        name, equals, field_value = part.partition("=")
        if not equals:
            raise IncompleteSignature(
                f"'{_quote(part)}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{_quote(value)}'."
            )
        fields[name.strip()] = field_value.strip()
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if not fields.get(name)]
    if missing:
        problems = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        raise IncompleteSignature(f"{problems} Authorization={_quote(value)}")
    if algorithm != ALGORITHM:
        # Our wording: AWS's answer to a well-formed header with another algorithm is not on record.
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{_quote(algorithm)}'. Use {ALGORITHM}.")
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise IncompleteSignature(
            f"Credential must have the form <access key>/<YYYYMMDD>/<region>/{SERVICE}/aws4_request, "
            f"not '{_quote(fields['Credential'])}'."
        )
    access_key, scope_date, region, service, terminator = scope
    return Authorization(
        access_key=access_key,
        scope_date=scope_date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=tuple(name.strip().lower() for name in fields["SignedHeaders"].split(";")),
        signature=fields["Signature"],
    )


def _request_timestamp(headers: Mapping[str, str], authorization: str) -> str:
    """The signing time as YYYYMMDDTHHMMSSZ, from X-Amz-Date or else the Date header."""
    amz_date = headers.get("x-amz-date")
    if amz_date:
        try:
            dt.datetime.strptime(amz_date, AMZ_DATE_FORMAT)
        except ValueError:
            raise IncompleteSignature(
                f"Date must be in ISO-8601 'basic format'. Got '{_quote(amz_date)}'. "
                "See http://en.wikipedia.org/wiki/ISO_8601"
            ) from None
        return amz_date
    date = headers.get("date")
    if date:
        try:
            timestamp = parsedate_to_datetime(date).astimezone(dt.UTC).strftime(AMZ_DATE_FORMAT)
            # Years before 1000 print unpadded; the round trip refuses them.
            dt.datetime.strptime(timestamp, AMZ_DATE_FORMAT)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
        else:
            return timestamp
    raise IncompleteSignature(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={_quote(authorization)}"
    )


def _check_scope(authorization: Authorization, timestamp: str) -> None:
    if authorization.service != SERVICE:
        raise InvalidSignature(f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if authorization.terminator != "aws4_request":
        raise InvalidSignature(
            "Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{authorization.terminator}'. "
        )
    if not is_region(authorization.region):
        raise InvalidSignature(INVALID_REGION)
    if authorization.scope_date != timestamp[:8]:
        raise InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{authorization.scope_date}' != '{timestamp[:8]}', from '{timestamp}'."
        )


def _check_clock(timestamp: str, now: dt.datetime | None = None) -> None:
    """Refuse a signature made more than 15 minutes before or after now, in AWS's words."""
    signed_at = dt.datetime.strptime(timestamp, AMZ_DATE_FORMAT).replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    if signed_at < now - MAX_SKEW:
        raise InvalidSignature(
            f"Signature expired: {timestamp} is now earlier than {_amz(now - MAX_SKEW)} "
            f"({_amz(now)} - 15 min.)"
        )
    if signed_at > now + MAX_SKEW:
        raise InvalidSignature(
            f"Signature not yet current: {timestamp} is still later than {_amz(now + MAX_SKEW)} "
            f"({_amz(now)} + 15 min.)"
        )


def _quote(text: str) -> str:
    return text if len(text) <= _QUOTED else text[:_QUOTED] + "..."


def _amz(moment: dt.datetime) -> str:
    return moment.strftime(AMZ_DATE_FORMAT)


class _ClientSignedHeaders(SigV4Auth):
    """botocore's signer, made to sign exactly the headers the client listed.

    botocore on its own picks every header but a few (it never signs User-Agent); other SDKs
    choose differently (some sign User-Agent and Content-Length), so the list must come from
    the request.
    """

    def __init__(self, credentials: Credentials, region: str, signed_headers: tuple[str, ...]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed_headers:
            chosen[name] = request.headers.get(name, "")
        return chosen


def expected_signature(
    authorization: Authorization,
    secret: str,
    timestamp: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The signature botocore computes for this request with `secret`."""
    host = headers.get("host", "")
    signed = {name: headers[name] for name in authorization.signed_headers if name in headers}
    # http:// so that botocore always hashes the body, whatever scheme the client used:
    # the scheme itself is not part of what SigV4 signs. A signed X-Amz-Content-SHA256 stands
    # in for the body's hash; verify() has checked that it is that hash.
    request = AWSRequest(method=method, url=f"http://{host}{path}", headers=signed, data=body)
    request.context["timestamp"] = timestamp
    signer = _ClientSignedHeaders(
        Credentials(authorization.access_key, secret), authorization.region, authorization.signed_headers
    )
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)
