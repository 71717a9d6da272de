"""The SSE decoder: one test per WHATWG rule, and chunking invariance as a property."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nbresponses._sse import SSEDecoder, SSEMessage, iter_sse


def decode(body: bytes) -> list[SSEMessage]:
    return list(iter_sse([body]))


def decode_in_pieces(body: bytes, cuts: list[int]) -> list[SSEMessage]:
    points = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    return list(iter_sse(body[a:b] for a, b in zip(points, points[1:])))


def test_lf_line_ends() -> None:
    assert decode(b"event: a\ndata: 1\n\ndata: 2\n\n") == [SSEMessage("a", b"1"), SSEMessage("message", b"2")]


def test_crlf_line_ends() -> None:
    assert decode(b"event: a\r\ndata: 1\r\n\r\n") == [SSEMessage("a", b"1")]


def test_cr_line_ends() -> None:
    assert decode(b"event: a\rdata: 1\r\rdata: 2\r\r") == [SSEMessage("a", b"1"), SSEMessage("message", b"2")]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    messages = list(iter_sse([b"data: 1\r", b"\n\r", b"\ndata: 2\r\n\r\n"]))
    assert messages == [SSEMessage(data=b"1"), SSEMessage(data=b"2")]


def test_multi_line_data_is_joined_with_lf() -> None:
    assert decode(b"data: first\ndata: second\ndata:third\n\n") == [SSEMessage(data=b"first\nsecond\nthird")]


def test_only_one_leading_space_is_stripped() -> None:
    assert decode(b"data:  two spaces\n\n") == [SSEMessage(data=b" two spaces")]


def test_comments_are_ignored() -> None:
    assert decode(b": keep-alive\n\n:another\ndata: x\n\n") == [SSEMessage(data=b"x")]


def test_blank_line_without_data_dispatches_nothing_and_resets_event_type() -> None:
    assert decode(b"event: ping\n\ndata: x\n\n") == [SSEMessage("message", b"x")]


def test_empty_data_field_still_dispatches() -> None:
    assert decode(b"data\n\ndata:\n\n") == [SSEMessage(data=b""), SSEMessage(data=b"")]


def test_id_is_remembered_across_events_and_null_ids_are_ignored() -> None:
    messages = decode(b"id: 7\ndata: a\n\ndata: b\n\nid: bad\x00id\ndata: c\n\n")
    assert [m.id for m in messages] == ["7", "7", "7"]


def test_retry_only_with_digits() -> None:
    messages = decode(b"retry: 1500\ndata: a\n\nretry: soon\ndata: b\n\n")
    assert [m.retry for m in messages] == [1500, 1500]


def test_unknown_fields_are_ignored() -> None:
    assert decode(b"foo: bar\ndata: x\n\n") == [SSEMessage(data=b"x")]


def test_leading_bom_is_ignored_even_when_split() -> None:
    assert list(iter_sse([b"\xef", b"\xbb", b"\xbfdata: x\n\n"])) == [SSEMessage(data=b"x")]
    assert decode(b"\xef\xbb\xbfdata: x\n\n") == [SSEMessage(data=b"x")]


def test_bom_later_in_stream_is_data() -> None:
    assert decode(b"data: \xef\xbb\xbfx\n\n") == [SSEMessage(data=b"\xef\xbb\xbfx")]


def test_data_only_stream_with_done_terminator() -> None:
    body = b'data: {"type":"response.created"}\n\ndata: [DONE]\n\n'
    assert [m.data for m in decode(body)] == [b'{"type":"response.created"}', b"[DONE]"]


def test_flush_dispatches_a_last_event_without_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: last") == []
    assert decoder.pending_bytes == len(b"data: last")
    assert decoder.flush() == [SSEMessage(data=b"last")]
    assert decoder.pending_bytes == 0


def test_feed_returns_only_completed_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\ndata: b") == [SSEMessage(data=b"a")]
    assert decoder.last_event_id is None


SSE_LINES = st.sampled_from(
    [
        b'data: {"type":"x"}',
        b"data:",
        b"data: caf\xc3\xa9",
        b"event: response.output_text.delta",
        b": keep-alive",
        b"id: 12",
        b"retry: 30",
        b"",
        b"data: [DONE]",
    ]
)
LINE_ENDS = st.sampled_from([b"\n", b"\r", b"\r\n"])


@given(
    lines=st.lists(st.tuples(SSE_LINES, LINE_ENDS), max_size=40),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
)
def test_any_chunking_yields_the_same_events(
    lines: list[tuple[bytes, bytes]], bom: bool, cuts: list[int]
) -> None:
    body = (b"\xef\xbb\xbf" if bom else b"") + b"".join(line + end for line, end in lines)
    assert decode_in_pieces(body, cuts) == decode(body)


@given(body=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=20))
def test_arbitrary_bytes_never_raise_and_chunking_is_invisible(body: bytes, cuts: list[int]) -> None:
    assert decode_in_pieces(body, cuts) == decode(body)


def test_byte_at_a_time_equals_whole() -> None:
    body = b"event: a\r\ndata: 1\r\ndata: 2\r\n\r\n: c\rdata: 3\r\r" * 3
    assert list(iter_sse(body[i : i + 1] for i in range(len(body)))) == decode(body)
