"""Downloads against a local HTTP server: resume, checksum, retry, mirrors, failures."""
import gzip
import hashlib
import re
import socket
import struct
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from cnnviz.data import (DataFile, DatasetInfo, DownloadCancelled, DownloadError, download_file,
                         load_dataset)
from cnnviz.data.download import part_path

CONTENT = np.random.default_rng(1).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
CONTENT_MD5 = hashlib.md5(CONTENT).hexdigest()


class FileServer:
    """Serves ``files`` {path: bytes}; ``modes`` {path: mode} makes a path misbehave.

    Modes: 'ok' (honours Range), 'no-range' (always 200 with the whole file),
    'truncate' (announces the full length, sends half, closes), 'wrong'
    (serves other bytes), or an int HTTP status to answer with.
    Every request is recorded as (path, Range header or None).
    """

    def __init__(self):
        self.files, self.modes, self.requests = {}, {}, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Range")))
                server.respond(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, path=""):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{path}"

    def respond(self, handler):
        path = handler.path.lstrip("/")
        mode = self.modes.get(path, "ok")
        if path not in self.files or isinstance(mode, int):
            handler.send_error(mode if isinstance(mode, int) else 404)
            return
        body = self.files[path] if mode != "wrong" else bytes(len(self.files[path]))
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", handler.headers.get("Range") or "")
        if match and mode in ("ok", "truncate") and int(match.group(1)) < len(body):
            start = int(match.group(1))
            handler.send_response(206)
            handler.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            handler.send_response(200)
        handler.send_header("Content-Length", str(len(body) - start))
        handler.end_headers()
        sent = body[start:]
        if mode == "truncate":
            sent = sent[: len(sent) // 2]
        handler.wfile.write(sent)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = FileServer()
    srv.files["data.bin"] = CONTENT
    yield srv
    srv.close()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_download_reports_growing_progress_and_leaves_only_the_file(server, tmp_path):
    calls = []
    dest = download_file([server.url("data.bin")], tmp_path / "out" / "data.bin", CONTENT_MD5,
                         progress=lambda done, total: calls.append((done, total)))
    assert dest.read_bytes() == CONTENT
    assert leftovers(tmp_path / "out") == ["data.bin"]
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(done)) == len(done) and len(calls) >= 4
    assert calls[0] == (0, len(CONTENT)) and calls[-1] == (len(CONTENT), len(CONTENT))


def test_wrong_checksum_retries_once_from_scratch_then_fails(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_file([server.url("data.bin")], tmp_path / "data.bin", "0" * 32)
    message = str(caught.value)
    assert "could not download data.bin" in message
    assert message.count(f"wrong checksum (md5 {CONTENT_MD5}, expected {'0' * 32})") == 2
    assert server.requests == [("/data.bin", None), ("/data.bin", None)]
    assert leftovers(tmp_path) == []


def test_truncated_transfer_is_resumed_once_then_reported(server, tmp_path):
    server.modes["data.bin"] = "truncate"
    with pytest.raises(DownloadError, match=f"stopped after {len(CONTENT) // 2} of {len(CONTENT)} bytes"):
        download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert server.requests == [("/data.bin", None), ("/data.bin", f"bytes={len(CONTENT) // 2}-")]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("status, text", [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")])
def test_http_errors_give_one_clear_message(server, tmp_path, status, text):
    server.modes["data.bin"] = status
    with pytest.raises(DownloadError, match=text):
        download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert len(server.requests) == 1 and leftovers(tmp_path) == []


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_server_down_says_connection_refused(tmp_path):
    with pytest.raises(DownloadError, match="connection was refused"):
        download_file([f"http://127.0.0.1:{closed_port()}/data.bin"], tmp_path / "data.bin", CONTENT_MD5)
    assert leftovers(tmp_path) == []


def test_second_mirror_is_used_when_the_first_fails(server, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/data.bin"
    dest = download_file([url, server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert dest.read_bytes() == CONTENT


def test_part_file_is_resumed_with_a_range_request(server, tmp_path):
    part_path(tmp_path / "data.bin").write_bytes(CONTENT[:100_000])
    calls = []
    download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5,
                  progress=lambda done, total: calls.append(done))
    assert server.requests == [("/data.bin", "bytes=100000-")]
    assert calls[0] == 100_000 and calls[-1] == len(CONTENT)
    assert (tmp_path / "data.bin").read_bytes() == CONTENT and leftovers(tmp_path) == ["data.bin"]


def test_server_ignoring_range_means_starting_over(server, tmp_path):
    server.modes["data.bin"] = "no-range"
    part_path(tmp_path / "data.bin").write_bytes(CONTENT[:100_000])
    download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert (tmp_path / "data.bin").read_bytes() == CONTENT


def test_corrupt_part_file_leads_to_a_clean_retry(server, tmp_path):
    part_path(tmp_path / "data.bin").write_bytes(b"\xff" * 50_000)
    download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert server.requests == [("/data.bin", "bytes=50000-"), ("/data.bin", None)]
    assert (tmp_path / "data.bin").read_bytes() == CONTENT and leftovers(tmp_path) == ["data.bin"]


def test_cancel_keeps_the_part_file_and_the_next_run_resumes(server, tmp_path):
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(DownloadCancelled, match="cancelled"):
        download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5, cancel=cancel)
    kept = part_path(tmp_path / "data.bin").stat().st_size
    assert 0 < kept < len(CONTENT) and not (tmp_path / "data.bin").exists()
    download_file([server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert server.requests[-1] == ("/data.bin", f"bytes={kept}-")
    assert (tmp_path / "data.bin").read_bytes() == CONTENT


# ---------------------------------------------------------------- through load_dataset

def idx_gz(array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes())


@pytest.fixture
def tiny_info(server):
    """A 10-class, 28x28 data set in MNIST's format, served by the test server."""
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], np.uint8)
    files = []
    for name, data, role in (("t10k-images-idx3-ubyte.gz", idx_gz(images), "images"),
                             ("t10k-labels-idx1-ubyte.gz", idx_gz(labels), "labels")):
        server.files[f"tiny/{name}"] = data
        files.append(DataFile(name, role, "test", hashlib.md5(data).hexdigest()))
    info = DatasetInfo(name="tiny", title="tiny", reader="idx", image_shape=(1, 28, 28),
                       class_names=tuple("0123456789"), mirrors=(server.url("tiny/"),),
                       files=tuple(files))
    return info, images, labels


def test_load_dataset_downloads_into_the_data_dir_then_reuses_it(server, tiny_info, tmp_path):
    info, images, labels = tiny_info
    seen = []
    data = load_dataset(info, data_dir=tmp_path, splits=("test",), status=seen.append)
    np.testing.assert_array_equal(data.x_test[:, 0], images)
    np.testing.assert_array_equal(data.y_test, labels)
    assert data.x_train is None and data.splits == ("test",)
    assert leftovers(tmp_path / "tiny") == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert seen == ["Downloading t10k-images-idx3-ubyte.gz (1 of 2)",
                    "Downloading t10k-labels-idx1-ubyte.gz (2 of 2)"]
    count = len(server.requests)
    assert load_dataset(info, data_dir=tmp_path, splits=("test",)).source == str(tmp_path / "tiny")
    assert len(server.requests) == count


def test_load_dataset_failure_names_the_files_and_where_to_put_them(tiny_info, tmp_path):
    info = replace(tiny_info[0], mirrors=(f"http://127.0.0.1:{closed_port()}/",))
    with pytest.raises(DownloadError) as caught:
        load_dataset(info, data_dir=tmp_path, splits=("test",))
    message = str(caught.value)
    assert "the test split needs t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz" in message
    assert f"not found in {tmp_path / 'tiny'} and {tmp_path}" in message
    assert "connection was refused" in message
    assert "Check the internet connection and try again" in message
    assert (f"or put the files t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz "
            f"in {tmp_path / 'tiny'}") in message
    assert leftovers(tmp_path) == []                # not even the folder made for the download


def test_load_dataset_checksum_mismatch_never_leaves_data_behind(server, tiny_info, tmp_path):
    info = tiny_info[0]
    server.modes["tiny/t10k-labels-idx1-ubyte.gz"] = "wrong"
    with pytest.raises(DownloadError, match="wrong checksum") as caught:
        load_dataset(info, data_dir=tmp_path, splits=("test",))
    # the good images file is kept (verified); the bad labels file is nowhere
    assert leftovers(tmp_path / "tiny") == ["t10k-images-idx3-ubyte.gz"]
    # the advice fits the failure: the file was damaged or changed, the network is fine
    message = str(caught.value)
    assert caught.value.causes == {"checksum"}
    assert "damaged" in message and "changed on the server" in message
    assert "internet connection" not in message
    assert f"put them in {tmp_path / 'tiny'}" in message and message.count("t10k-images") == 1


def test_failed_download_removes_the_folders_it_created(tmp_path):
    dest = tmp_path / "new" / "deeper" / "data.bin"
    with pytest.raises(DownloadError, match="connection was refused") as caught:
        download_file([f"http://127.0.0.1:{closed_port()}/data.bin"], dest, CONTENT_MD5)
    assert caught.value.causes == {"network"}
    assert leftovers(tmp_path) == []


def test_truncated_and_http_failures_name_their_causes(server, tmp_path):
    server.files["gone.bin"] = CONTENT
    server.modes.update({"data.bin": "truncate", "gone.bin": 404})
    with pytest.raises(DownloadError) as caught:
        download_file([server.url("gone.bin"), server.url("data.bin")], tmp_path / "data.bin", CONTENT_MD5)
    assert caught.value.causes == {"http", "truncated"}
    assert leftovers(tmp_path) == []
