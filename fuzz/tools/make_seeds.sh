#!/usr/bin/env bash
# Writes the generated seeds of fuzz/corpus/<target>/ (checked in; rerun after changing this
# script or FakeGemini's replies). Gemini replies come from tests/support/fake_gemini_replies.cpp
# through dump_fake_replies.cpp; the rest is written here, except http_framing's seeds, which are
# hand-written files this script does not touch. Files named regression-* are findings of past
# fuzz runs and are never touched either.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=fuzz/corpus
mkdir -p $corpus/{json_body,page_cursor,failure_text,gemini_reply,nano_banana_reply,mock_task}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -std=c++20 -I. -o "$tmp/dump" fuzz/tools/dump_fake_replies.cpp tests/support/fake_gemini_replies.cpp
"$tmp/dump" $corpus/gemini_reply $corpus/nano_banana_reply

python3 - "$corpus" <<'EOF'
import base64, pathlib, sys
root = pathlib.Path(sys.argv[1])

def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    (root / target / name).write_bytes(data)

# ---- json_body: request bodies ----
put("json_body", "entry", '{"situation":"My exam got moved to tomorrow","thoughts":"I am not ready",'
    '"emotions":[{"name":"anxious","intensity":0.8},{"name":"hopeful","intensity":0.3}]}')
put("json_body", "register", '{"email":"ada@example.com","password":"analytical engine 1","display_name":"Ada"}')
put("json_body", "visualization", '{"style":"watercolor","aspect_ratio":"1:1"}')
put("json_body", "nulls_and_big_numbers",
    '{"situation":null,"count":3,"limit":9223372036854775807,"x":18446744073709551616,'
    '"y":1e999,"z":-0,"w":0.1e-400}')
put("json_body", "escapes", r'{"situation":"caf\u00e9 \ud83d\ude00 tab\t nul\u0000 end","thoughts":"\ud800 lone"}')
put("json_body", "invalid_utf8", b'{"situation":"\xff\xfe \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80"}')
put("json_body", "truncated", '{"situation":"My exam got mov')
put("json_body", "not_an_object", '[{"situation":"x"}, 1, "two", null]')
put("json_body", "trailing_garbage", '{"count":1} {"count":2}')
put("json_body", "duplicate_keys", '{"situation":"first","situation":5,"situation":null}')
put("json_body", "empty", "")
put("json_body", "whitespace", " \t\r\n ")
# Nesting far deeper than the 64 levels moodgate/json.h accepts: refused, not recursed into.
depth = 1000
put("json_body", "deep_arrays", '{"emotions":' + "[" * depth + "]" * depth + "}")
put("json_body", "deep_objects", '{"a":' * depth + "1" + "}" * depth)

# ---- page_cursor: the `cursor` query parameter ----
def cursor(text):
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=")
put("page_cursor", "valid", cursor("c1|2026-11-22T09:15:02.123Z|0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
put("page_cursor", "id_with_bar", cursor("c1|2026-11-22T09:15:02.123Z|a|b"))
put("page_cursor", "bad_date", cursor("c1|2026-02-30T25:61:61.999Z|id"))
put("page_cursor", "no_id", cursor("c1|2026-11-22T09:15:02.123Z|"))
put("page_cursor", "long_id", cursor("c1|2026-11-22T09:15:02.123Z|" + "x" * 65))
put("page_cursor", "other_version", cursor("c2|2026-11-22T09:15:02.123Z|id"))
put("page_cursor", "padded", base64.urlsafe_b64encode(b"c1|2026-11-22T09:15:02.123Z|id1"))
put("page_cursor", "standard_alphabet", base64.b64encode(b"c1|2026-11-22T09:15:02.123Z|i?>"))
put("page_cursor", "not_base64", "not a cursor at all!")
put("page_cursor", "too_long", "A" * 600)

# ---- failure_text: <secret>\n<message> ----
put("failure_text", "transport", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY\n"
    "upstream 127.0.0.1:19090: response larger than 33554432 bytes")
put("failure_text", "curl_refused", "secret\nFailed to connect to 127.0.0.1 port 19090 after 0 ms: Connection refused")
put("failure_text", "quota", "test-key\ngemini: 429 RESOURCE_EXHAUSTED: You exceeded your current quota, please "
    "check your plan and billing details. For more information on this error, head to: "
    "https://ai.google.dev/gemini-api/docs/rate-limits. * Quota exceeded for metric: "
    "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 250000, "
    "model: gemini-2.5-flash Please retry in 26s. test-key")
put("failure_text", "addresses", "pw\nsee [::1]:9000, fe80::1%eth0, admin@example.com, http://u:p@h:1/x?key=v&a=b, LOCALHOST:80")
put("failure_text", "not_utf8", b"k\xff\nbad \xff\xfe \xc0\xaf \xed\xa0\x80 \xc2\x85 control\x01\x7f end")
put("failure_text", "long", "key\n" + " ".join("word%d" % i for i in range(200)))
put("failure_text", "echoed_key", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY\n"
    "gemini: 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key. POST "
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    "?key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY (key: AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
    "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY)")

# ---- plugin replies, beyond FakeGemini's: <status><flags><body> ----
def reply(target, name, status, flags, body):
    put(target, name, status.encode() + flags.encode() + (body if isinstance(body, bytes) else body.encode()))
for target in ("gemini_reply", "nano_banana_reply"):
    reply(target, "deep_nesting", "0", "0", '{"candidates":' + "[" * 30000 + "]" * 30000 + "}")
    reply(target, "error_in_200", "0", "0", '{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED",'
          '"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"999999999999.999999999s"}]}}')
    reply(target, "key_reason", "4", "0", '{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT",'
          '"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}')
    reply(target, "echoing_error", "9", "2", "99999999999\n" + '{"error":{"code":429,"message":"quota for AIzaFuzzKey-0123456789-abcdefghij '
          'at http://127.0.0.1:9/v1beta and 127.0.0.1 \\u0000\\n","status":"RESOURCE_EXHAUSTED"}}')
    reply(target, "redirect_html", "?", "0", "<html><body>Moved</body></html>")
    reply(target, "empty_200", "0", "0", "")
    reply(target, "invalid_utf8", "0", "0", b'{"candidates":[{"content":{"parts":[{"text":"\xff\xfe\xc3"}]},"finishReason":"\xff"}]}')
reply("gemini_reply", "nul_in_text", "0", "1", '{"candidates":[{"content":{"parts":[{"text":"{\\"a\\":\\"\\u0000\\"}"}]}}],'
      '"usageMetadata":{"promptTokenCount":-5,"candidatesTokenCount":3}}')

png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4f4IBAASRAcjMRuraAAAAAElFTkSuQmCC")
def image(name, data, mime="image/png"):
    reply("nano_banana_reply", name, "0", "0",
          '{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"%s","data":"%s"}}]},'
          '"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":1290}}' % (mime, data))
image("urlsafe_unpadded", base64.urlsafe_b64encode(png).decode().rstrip("="))
image("no_mime_sniffed", base64.b64encode(png).decode(), "")
image("not_base64", "@@@=")
image("bad_padding", "iVBO=w0K")
image("text_mime", base64.b64encode(b"hello").decode(), "text/plain")

# ---- mock_task: <flags><payload> ----
analysis_schema = pathlib.Path("core/services/journal_prompts.cpp").read_text().split('kAnalysisSchema = R"(')[1].split(')";')[0]
put("mock_task", "analysis", "0" + analysis_schema + "\0My exam got moved to tomorrow and I am not ready, but hopeful.")
put("mock_task", "scenarios", '0{"type": "object", "properties": {"scenarios": {"type": "array", "minItems": 1, '
    '"maxItems": 3, "items": {"type": "object", "properties": {"title": {"type": "string"}, '
    '"description": {"type": "string"}}, "required": ["title", "description"]}}}, "required": ["scenarios"]}'
    "\0I felt anxious and calm at once.")
put("mock_task", "free_text", "0\0I felt calm and grateful by the sea. Then sad.")
put("mock_task", "refs_and_combinators", '0{"$defs":{"s":{"type":"string","minLength":3,"maxLength":5}},"type":"object",'
    '"properties":{"a":{"$ref":"#/$defs/s"},"b":{"anyOf":[{"type":"integer","minimum":2,"exclusiveMaximum":3}]},'
    '"c":{"const":[1,{"x":null}]},"d":{"enum":["fear","joy"]}},"required":["a","b","c","d","e"]}' "\0afraid")
put("mock_task", "self_ref", '0{"$ref":"#"}\0x')
put("mock_task", "not_json", "0{not json\0x")
put("mock_task", "invalid_utf8", b"0\0\xff\xfe caf\xc3\xa9 \xed\xa0\x80")
put("mock_task", "image", "1A calm sea at dawn\0" + "16:9\0" + "2K")
put("mock_task", "image_bad_ratio", "1A calm sea\0" + "7:5\0")
EOF
echo "seeds: $(find $corpus -type f | wc -l) files in $corpus"
