"""``report.pdf``: the finished ``report.html`` printed by headless Chromium.

The route
---------
Chromium is the system package (Debian/Ubuntu ``apt-get install chromium``; any Chrome or
Chromium on ``PATH`` works, or set ``IMPROVE_CHROMIUM`` to its executable). It is driven
through Playwright's Python package (``pip install improve[pdf]``) pointed at that
executable, so nothing is downloaded at run time (never run ``playwright install``). When
Playwright is not installed, or the caller is inside a running asyncio loop (a notebook),
Chromium's own ``--headless --print-to-pdf`` is called instead; both print the same page
with the same print style sheet.

The page layout lives in the report template's print CSS: US Letter, margins, the report
title and "Page n of N" in the footer (CSS page-margin boxes), figures never split across
pages, table header rows repeated on every page.

Determinism
-----------
Chromium (Skia) writes the print time into ``/CreationDate`` and ``/ModDate``, no ``/ID``,
and (the PDF is tagged, for screen readers) DOM node numbers as structure-element IDs,
which shift with whatever the browser process did before. :func:`normalise_pdf` rewrites
the dates to a fixed value (``created``; the runner passes the run's start time,
``SOURCE_DATE_EPOCH`` wins when set) and renumbers the IDs, all at equal byte length. The
same ``report.html`` printed again by the same Chromium, through Playwright or the command
line, then gives byte-identical PDFs. A different Chromium version or different system
fonts give different bytes: the byte-identical guarantees cover tables, CSV and JSON, not
PDFs (and a new run's HTML differs anyway: it shows the run's start time).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from improve.errors import OutputError

#: Environment variable naming the Chromium executable (overrides the search on ``PATH``).
CHROMIUM_ENV = "IMPROVE_CHROMIUM"
#: Executables looked for on ``PATH``, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags for a headless Chromium that runs in containers and stays off the network.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
INSTALL_HINT = (
    "install Chromium (apt-get install chromium) and Playwright (pip install 'improve[pdf]'), "
    f"or set {CHROMIUM_ENV} to a Chrome/Chromium executable"
)

_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\((D:[^)]*)\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_NODE = re.compile(rb"\(node(\d+)\)")


class PdfUnavailableError(OutputError):
    """No Chromium to print the report with (exit code 2 when a PDF was asked for)."""


def find_chromium() -> str:
    """Path of the Chromium executable used for printing.

    ``IMPROVE_CHROMIUM`` when set (it must name an executable file), otherwise the first of
    :data:`CHROMIUM_NAMES` on ``PATH``.

    Returns
    -------
    str

    Raises
    ------
    PdfUnavailableError
        No executable found; the message says what to install.
    """
    configured = os.environ.get(CHROMIUM_ENV, "").strip()
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise PdfUnavailableError(
                f"{CHROMIUM_ENV}={configured!r} is not an executable Chromium; {INSTALL_HINT}"
            )
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailableError(f"no Chromium found to print report.pdf; {INSTALL_HINT}")


def pdf_unavailable_reason() -> str | None:
    """Why no PDF can be printed on this machine (``None`` when Chromium is found)."""
    try:
        find_chromium()
    except PdfUnavailableError as exc:
        return str(exc)
    return None


def _playwright_usable() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False  # Playwright's sync API refuses to run inside an event loop


def _pdf_date(created: datetime) -> bytes:
    stamp = created.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"D:{stamp}+00'00'".encode("ascii")


def _fixed_date(created: datetime | str | None) -> datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    if isinstance(created, str):
        parsed = datetime.fromisoformat(created)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return created


def normalise_pdf(data: bytes, created: datetime | None) -> bytes:
    """Rewrite what varies between prints of the same page to fixed values.

    The creation and modification dates, the file ``/ID`` (a hash of the rest) and the
    structure-tree element IDs of a tagged PDF (``(node00000025)``: Chromium's DOM node
    numbers, which depend on what the browser process did before; renumbered 0, 1, 2, ...
    in their original order, so the sorted ``/IDTree`` stays sorted). Every replacement has
    the byte length of what it replaces, so the cross-reference offsets stay valid; a value
    that cannot be rewritten at equal length is left as is.

    Parameters
    ----------
    data : bytes
        The PDF.
    created : datetime, optional
        Written as both ``/CreationDate`` and ``/ModDate``; ``None`` leaves the dates.

    Returns
    -------
    bytes
    """
    out = data
    if created is not None:
        date = _pdf_date(created)

        def fix_date(match: re.Match[bytes]) -> bytes:
            old = match.group(2)
            return match.group(0).replace(old, date) if len(old) == len(date) else match.group(0)

        out = _DATE.sub(fix_date, out)

    # the k-th smallest of distinct non-negative numbers is at least k: ranks never get wider
    rank = {n: i for i, n in enumerate(sorted({int(m) for m in _NODE.findall(out)}))}

    def fix_node(match: re.Match[bytes]) -> bytes:
        digits = match.group(1)
        return b"(node" + str(rank[int(digits)]).zfill(len(digits)).encode("ascii") + b")"

    out = _NODE.sub(fix_node, out)
    found = _ID.search(out)
    if found:
        # the ID becomes a hash of the document with the ID blanked out: same input, same ID
        blank = out[: found.start()] + out[found.end() :]
        digest = hashlib.sha256(blank).hexdigest().upper().encode("ascii")
        ids = [digest[: len(part)].ljust(len(part), b"0") for part in found.groups()]
        fixed = found.group(0)
        for part, new in zip(found.groups(), ids, strict=True):
            fixed = fixed.replace(part, new, 1)
        out = out[: found.start()] + fixed + out[found.end() :]
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _print_playwright(chromium: str, html: Path, timeout: float) -> bytes:
    from playwright.sync_api import Error, sync_playwright

    ms = timeout * 1000
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=list(LAUNCH_ARGS), timeout=ms
            )
            try:
                # a report is static: printed with JavaScript off, and nothing but the page
                # itself and data: URIs is loaded (no network, no other local file)
                page = browser.new_context(java_script_enabled=False).new_page()
                page_url = html.as_uri()
                page.route(
                    lambda url: url != page_url and not url.startswith("data:"),
                    lambda route: route.abort(),
                )
                page.goto(page_url, wait_until="load", timeout=ms)
                page.set_default_timeout(ms)
                return page.pdf(
                    prefer_css_page_size=True,
                    format="Letter",
                    print_background=True,
                    outline=True,
                    tagged=True,
                )
            finally:
                browser.close()
    except Error as exc:
        raise OutputError(
            f"Chromium ({chromium}) could not print {html.name}: {_first_line(exc)}"
        ) from None


def _print_subprocess(chromium: str, html: Path, timeout: float) -> bytes:
    # Chromium's command line has no switch that turns JavaScript off and still prints
    # (--blink-settings=scriptEnabled=false prints nothing): here the report's own
    # Content-Security-Policy (improve.report.html_safety.CSP) keeps scripts, frames and
    # every load but data: URIs out.
    with tempfile.TemporaryDirectory(prefix="improve-pdf-") as scratch:
        target = Path(scratch) / "out.pdf"
        command = [
            chromium,
            "--headless",
            *LAUNCH_ARGS,
            "--hide-scrollbars",  # as Playwright's headless Chromium
            f"--user-data-dir={Path(scratch) / 'profile'}",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",
            f"--print-to-pdf={target}",
            html.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OutputError(
                f"Chromium ({chromium}) did not print {html.name} within {timeout:g} s"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot start Chromium ({chromium}): {_first_line(exc)}") from None
        if not target.exists() or target.stat().st_size == 0:
            detail = [line for line in done.stderr.splitlines() if "ERROR" in line][-1:]
            raise OutputError(
                f"Chromium ({chromium}) could not print {html.name} "
                f"(exit {done.returncode}{': ' + detail[0] if detail else ''})"
            )
        return target.read_bytes()


def html_to_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    timeout: float = 120.0,
    created: datetime | str | None = None,
    backend: str = "auto",
) -> Path:
    """Print an HTML report to PDF with headless Chromium.

    Page size, margins and the footer (title, page numbers) come from the page's print
    style sheet (the report template sets US Letter). The PDF is written atomically: a
    failure leaves no file at ``pdf_path``.

    Parameters
    ----------
    html_path : path
        The self-contained HTML report.
    pdf_path : path
        Where to write the PDF.
    timeout : float
        Seconds allowed for starting Chromium, loading the page and printing it.
    created : datetime or ISO-8601 str, optional
        Date written into the PDF's metadata (making repeated prints byte-identical);
        ``SOURCE_DATE_EPOCH`` takes precedence. Without either, Chromium's print time stays.
    backend : {"auto", "playwright", "subprocess"}
        ``"auto"`` uses Playwright when it is installed and usable, else the ``chromium
        --print-to-pdf`` command line.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PdfUnavailableError
        No Chromium on this machine.
    improve.errors.OutputError
        Chromium failed or timed out, or the PDF cannot be written.
    """
    html = Path(html_path).resolve()
    target = Path(pdf_path)
    if not html.is_file():
        raise OutputError(f"cannot print '{html}' to PDF: the file does not exist")
    if backend not in ("auto", "playwright", "subprocess"):
        raise ValueError(f"backend must be 'auto', 'playwright' or 'subprocess', not {backend!r}")
    chromium = find_chromium()
    use_playwright = backend == "playwright" or (backend == "auto" and _playwright_usable())
    if use_playwright:
        data = _print_playwright(chromium, html, timeout)
    else:
        data = _print_subprocess(chromium, html, timeout)
    if not data.startswith(b"%PDF-"):
        raise OutputError(f"Chromium ({chromium}) returned something that is not a PDF")
    data = normalise_pdf(data, _fixed_date(created))
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        part.write_bytes(data)
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise OutputError(
            f"cannot write '{target}': {exc.strerror or type(exc).__name__}"
        ) from None
    return target


def resolve_pdf(pdf: bool | None, warn: Callable[[str], None] | None = None) -> bool:
    """Whether to print ``report.pdf``: the ``pdf`` option checked against this machine.

    Parameters
    ----------
    pdf : bool, optional
        ``True`` required, ``False`` off, ``None`` when Chromium is installed.
    warn : callable, optional
        Receives the one warning line when ``pdf`` is ``None`` and there is no Chromium.

    Returns
    -------
    bool

    Raises
    ------
    PdfUnavailableError
        ``pdf`` is ``True`` and no Chromium is installed.
    """
    if pdf is False:
        return False
    reason = pdf_unavailable_reason()
    if reason is None:
        return True
    if pdf:
        raise PdfUnavailableError(f"{reason}; or run without --pdf")
    if warn is not None:
        warn(f"warning: not writing report.pdf: {reason} (--no-pdf silences this)")
    return False
