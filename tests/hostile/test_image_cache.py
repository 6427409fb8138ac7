"""The record of image checks (dist/.cache/checks, out/.cache/checks): a photo checked before is
not decoded again, but a changed photo always is, and a damaged, swapped, forged-by-accident or
misplaced record is never believed: it is ignored, made again, and never an error."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from lettre import image_cache, images, pdf
from lettre.errors import LettreError
from lettre.images import EMAIL, PRINT, check_cache, checks_cached_in, inspect, variant
from tests.conftest import Lettre, Newsletter
from tests.hostile.test_images import PHOTO, SLOW_IMAGES, bomb, progressive_jpeg

CHECKS = "dist/.cache/checks"
PLACE = (  # the place as an editor counts it (the session speaks English)
    "bulletins/2025-06-13/issue.yaml:13:16: Section 1 “Opérations”, 1st article “Un article” "
    "› image › src: "
)


@pytest.fixture(autouse=True)
def no_issue_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """These cases are about the records of images: an issue's record of its whole check
    (lettre.check_cache) would stand in for them, so it is not used here."""
    monkeypatch.setattr("lettre.check_cache.usable", lambda records: False)


def decodings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every image decoded from now on (each runs in a time-limited child)."""
    counted: list[int] = []
    real = images.each_within_time

    def counting(works: list[object], seconds: float) -> list[str]:
        counted.extend(1 for _work in works)
        return real(works, seconds)  # type: ignore[arg-type]

    monkeypatch.setattr(images, "each_within_time", counting)
    return counted


def entries(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / CHECKS).iterdir())}


def test_a_second_check_decodes_nothing(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    counted = decodings(monkeypatch)
    first = lettre("check", repo=root)
    assert first.exit_code == 0, first.output
    assert len(counted) >= 1 and len(entries(root)) == len(counted)
    counted.clear()
    second = lettre("check", repo=root)
    assert second.exit_code == 0 and second.output == first.output
    assert counted == []


@pytest.mark.parametrize("change", ["truncated", "costly", "bomb", "one byte"])
def test_a_changed_photo_is_checked_again_whatever_its_date_and_size(
    newsletter: Newsletter, lettre: Lettre, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is found by the photo's content, not its name, date or size."""
    root = newsletter()
    assert lettre("check", repo=root).exit_code == 0
    photo = root / PHOTO
    before, status = photo.read_bytes(), photo.stat()
    changed = {
        "truncated": lambda: before[: len(before) * 2 // 3],
        "costly": lambda: progressive_jpeg(3000),
        "bomb": bomb,
        "one byte": lambda: before[:-200] + bytes([before[-200] ^ 0x55]) + before[-199:],
    }[change]()
    photo.write_bytes(changed)
    os.utime(photo, ns=(status.st_atime_ns, status.st_mtime_ns))  # the same date
    counted = decodings(monkeypatch)
    result = lettre("check", repo=root)
    if change == "one byte":  # still a photo: checked again (decoded), and passes
        assert result.exit_code == 0 and counted
        return
    assert result.exit_code == 1
    assert PLACE in result.stderr and "Traceback" not in result.output
    expected = {"truncated": "damaged or incomplete", "costly": "more than 64 scans",
                "bomb": "too many pixels"}[change]  # fmt: skip
    assert expected in result.stderr


DAMAGES = {
    "truncated": lambda data, _: data[: len(data) // 2],
    "emptied": lambda data, _: b"",
    "garbage": lambda data, _: b"\x00garbage\n" * 50,
    "checksum wrong": lambda data, _: data.replace(b'"width": ', b'"width": 1'),
    "not JSON": lambda data, _: b"{not json\n" + image_cache.sha256(b"{not json").encode(),
    "huge": lambda data, _: data + b" " * 10_000,
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_record_is_ignored_and_made_again(
    newsletter: Newsletter, lettre: Lettre, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    assert lettre("check", repo=root).exit_code == 0
    good = entries(root)
    for name, data in good.items():
        (root / CHECKS / name).write_bytes(DAMAGES[damage](data, name))
    counted = decodings(monkeypatch)
    result = lettre("check", repo=root)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert len(counted) == len(good)  # each decoded again
    assert entries(root) == good  # and recorded again, as before


def test_a_record_of_a_good_photo_does_not_pass_a_bad_one(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    """A record copied under the name of another content (by a sync tool, by hand) names
    the content it was made for: it is not believed for another."""
    root = newsletter()
    assert lettre("check", repo=root).exit_code == 0
    [record] = [d for d in entries(root).values() if json.loads(d.split(b"\n")[0])["width"] > 200]
    (root / PHOTO).write_bytes(progressive_jpeg(3000))
    key = images._sha256(images._CHECK_VERSION + images._sha256(progressive_jpeg(3000)).encode())
    (root / CHECKS / f"{key}.json").write_bytes(record)  # the good photo's record, renamed
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert f"{PLACE}more than 64 scans" in result.stderr


def test_records_of_impossible_results_are_not_believed(tmp_path: Path) -> None:
    """Even whole, with a right checksum, a record of what no check passes is made again."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(progressive_jpeg(0))
    folder = tmp_path / "checks"
    with checks_cached_in(folder):
        inspect(path)
    [entry] = folder.iterdir()
    key = entry.stem
    for lie in [{"width": 100_000, "height": 100_000}, {"format": "GIF"}, {"width": "1200"},
                {"extra": 1}, {"width": 0}]:  # fmt: skip
        image_cache.write_check(
            folder, key, {"format": "JPEG", "width": 1200, "height": 900, **lie}
        )
        with checks_cached_in(folder):
            assert inspect(path).width == 1200  # decoded again: the real size
        assert json.loads(entry.read_bytes().split(b"\n")[0])["width"] == 1200


@pytest.mark.parametrize("where", ["dist", "dist/.cache", CHECKS])
def test_a_link_on_the_way_to_the_records_is_not_followed(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, where: str
) -> None:
    root = newsletter()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / where).parent.mkdir(parents=True, exist_ok=True)
    (root / where).symlink_to(elsewhere)
    for _ in range(2):
        result = lettre("check", repo=root)
        assert result.exit_code == 0 and "Traceback" not in result.output
    assert list(elsewhere.rglob("*")) == []  # nothing read or written there


def test_records_others_may_write_are_not_used(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    assert lettre("check", repo=root).exit_code == 0
    (root / CHECKS).chmod(0o777)  # a shared folder: anyone could have put records there
    counted = decodings(monkeypatch)
    assert lettre("check", repo=root).exit_code == 0
    assert counted  # decoded again


@pytest.mark.parametrize("obstacle", ["a file", "a folder per record"])
def test_records_that_cannot_be_written_cost_only_time(
    newsletter: Newsletter, lettre: Lettre, obstacle: str
) -> None:
    root = newsletter()
    if obstacle == "a file":
        (root / "dist/.cache").mkdir(parents=True)
        (root / CHECKS).write_text("not a folder")
    else:
        assert lettre("check", repo=root).exit_code == 0
        for entry in (root / CHECKS).iterdir():
            entry.unlink()
            entry.mkdir()
    for _ in range(2):
        result = lettre("check", repo=root)
        assert result.exit_code == 0 and "Traceback" not in result.output


def test_a_build_after_a_check_is_accepted_and_decodes_only_to_resize(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dist/ holding only lettre's records is still lettre's output folder; the build records
    its own checks in it, so a forced rebuild decodes nothing to check."""
    root = newsletter()
    assert lettre("check", repo=root).exit_code == 0
    assert lettre("build", repo=root).exit_code == 0
    counted = decodings(monkeypatch)
    result = lettre("build", "--force", "--jobs", "1", repo=root)
    assert result.exit_code == 0, result.output
    assert counted == []


def test_a_photo_changed_after_its_check_is_checked_again_before_it_is_decoded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(progressive_jpeg(0))
    info = inspect(path)
    path.write_bytes(SLOW_IMAGES["JPEG with 3,000 repeated scans"][0]())  # swapped meanwhile
    with pytest.raises(LettreError, match=r"photo.jpg: changed during the build, and now "
                       r"refused: more than 64 scans"):  # fmt: skip
        variant(info, EMAIL, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_a_photo_changed_during_a_build_shows_as_first_read_in_every_edition(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each photo is read once for all the editions of an issue (images.read_once): swapped
    once the print edition has read it, the web page and the email still show it as it was,
    the same bytes as a build of the first photo alone."""
    root = newsletter()
    assert lettre("build", "--jobs", "1", "--out", root / "first", repo=root).exit_code == 0
    rendering = pdf.render_pdf

    def swapping(*args: object, **kwargs: object) -> bytes:
        made = rendering(*args, **kwargs)  # type: ignore[arg-type]
        (root / PHOTO).write_bytes(progressive_jpeg(1))  # an editor saves another photo
        return made

    monkeypatch.setattr(pdf, "render_pdf", swapping)
    result = lettre("build", "--jobs", "1", repo=root)
    assert result.exit_code == 0, result.output
    built, first = root / "dist/2025-06-13", root / "first/2025-06-13"
    shown = {p.name: p.read_bytes() for p in (built / "images").iterdir()}
    assert shown == {p.name: p.read_bytes() for p in (first / "images").iterdir()}
    assert next(built.glob("*.eml")).read_bytes() == next(first.glob("*.eml")).read_bytes()
    assert (root / PHOTO).read_bytes() == progressive_jpeg(1)  # it was swapped


def test_variant_records_of_an_older_lettre_are_ignored(tmp_path: Path) -> None:
    """Entries named as lettre 0.x named them (source + spec hashed together) hold other
    bytes: they are never found for the new keys, and the new variants are made."""
    path = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.effect_noise((1600, 1000), 40).convert("RGB").save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    cache = tmp_path / "cache"
    cache.mkdir()
    old_key = images._sha256(buffer.getvalue() + b"print-v3-2000-886-82")
    stale = b"\xff\xd8stale"
    (cache / f"{old_key}-{image_cache.sha256(stale)}-10x10.jpg").write_bytes(stale)
    made = variant(inspect(path), PRINT, cache)
    assert made.data != stale and (made.width, made.height) == (1418, 886)


def test_the_check_records_live_beside_the_outputs() -> None:
    assert check_cache(Path("out")) == Path("out/.cache/checks")


def test_a_decoding_that_spins_is_stopped_by_the_processor_time_its_size_explains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not after DECODE_SECONDS (a minute) of the clock: after the processor time a picture
    of its size needs (here a tiny one: 1 s), whatever the machine's load."""

    def spin(data: bytes, wanted: str) -> str:
        images.limit_processor_time(16)  # as the real decoding does once the size is read
        while True:
            pass

    monkeypatch.setattr(images, "_decode", spin)
    monkeypatch.setattr(images, "DECODE_CPU_BASE", 1.0)
    (tmp_path / "a.jpg").write_bytes(progressive_jpeg(0))
    with pytest.raises(images.ImageProblem, match="more processor time than its size explains"):
        inspect(tmp_path / "a.jpg")


def test_a_decoding_stopped_midway_keeps_the_checks_of_the_photos_it_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each photo's check is recorded as soon as its decoding child has passed it, not once
    the whole issue's are: the work done ahead, stopped (killed) when the engines are
    imported, leaves the worker only the photos it had not reached (the example issue:
    all six photos decoded again, 0.3 s of a cold build). Here the second photo's decoding
    never ends, and its process is killed once the first's record is there."""
    import signal
    import time

    first, second = (progressive_jpeg(n) for n in (1, 2))
    decoding = images._decode

    def stuck_on_the_second(data: bytes, wanted: str) -> str:
        while data == second:  # in the decoding child: until it is killed with its parent
            time.sleep(1)
        return decoding(data, wanted)

    monkeypatch.setattr(images, "_decode", stuck_on_the_second)
    folder = tmp_path / "checks"
    pid = os.fork()
    if pid == 0:  # the work done ahead
        try:
            with checks_cached_in(folder):
                images.inspect_all([first, second])
        finally:
            os._exit(0)
    try:
        recorded = folder / f"{images._check_key(first)}.json"
        # well before the stuck photo's DECODE_SECONDS, after which the build would refuse it
        # and record the first one itself
        deadline = time.monotonic() + images.DECODE_SECONDS / 3
        while not recorded.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert recorded.exists()
    with checks_cached_in(folder):  # the worker's check: the first is recalled, not decoded
        assert images._recalled(folder, images._check_key(first)) is not None
    assert not (folder / f"{images._check_key(second)}.json").exists()


def test_a_photo_refused_leaves_no_record_that_it_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoding child that recorded its photo passed just as the build gave up waiting
    for its answer (over its time) leaves no such record: the build removes it with the
    refusal, and the next build decodes the photo again, not recalls a pass."""
    photo, folder = progressive_jpeg(3), tmp_path / "checks"
    key = images._check_key(photo)

    def passed_but_refused(data: bytes, wanted: str) -> str:  # in the decoding child
        image_cache.write_check(folder, key, {"format": "JPEG", "width": 1200, "height": 900})
        return json.dumps(["failed", "over its time"])  # what the build then says of it

    monkeypatch.setattr(images, "_decode", passed_but_refused)
    with checks_cached_in(folder):
        [found] = images.inspect_all([photo])
    assert isinstance(found, images.ImageProblem)
    assert not (folder / f"{key}.json").exists()
