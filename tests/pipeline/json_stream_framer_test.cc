// Pretty-printed (multi-line) JSON read by the file source: a value spread over lines is one
// message, a top-level array or a batch's array is streamed element by element, a value cut
// short is handed out whole for the parser to refuse without swallowing the lines after it, and
// NDJSON lines arrive as before. Real files, the real source.
#include "pipeline/json_stream_framer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "parsers/record_parser.h"
#include "pipeline/framed_line.h"
#include "pipeline/line_reader.h"
#include "pipeline/message_source.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::TempDir;
using testing::TempDirCleanup;

struct Got {
  std::string tenant;
  std::string payload;
  bool in_stream = false;    // RawMessage::in_stream
  std::string page_context;  // RawMessage::page_context
  uint64_t whole_size = 0;   // RawMessage::whole_size
};

std::vector<Got> ReadAll(const std::string& text, std::size_t max_bytes = 4u << 20,
                         std::vector<int64_t>* positions = nullptr) {
  const std::string dir = TempDir("framer");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path;
  zmq::context_t zmq;
  auto source = OpenSource(s, zmq, nullptr, max_bytes);
  std::vector<Got> got;
  RawMessage m;
  while (source->Receive(m, std::chrono::milliseconds(100)) == ReceiveStatus::kMessage) {
    EXPECT_GE(m.readable_after, kParsePadding);
    got.push_back({std::string(m.tenant_frame), std::string(m.payload), m.in_stream,
                   std::string(m.page_context), m.whole_size});
    if (positions != nullptr) positions->push_back(source->Position());
  }
  return got;
}

TEST(JsonStreamFramer, OpensOnlyLinesThatLeaveAValueOpen) {
  EXPECT_FALSE(JsonStreamFramer::Opens(R"({"a":1})"));
  EXPECT_FALSE(JsonStreamFramer::Opens(R"([{"a":1}]  )"));
  EXPECT_FALSE(JsonStreamFramer::Opens("  \"a\": 1,"));
  EXPECT_FALSE(JsonStreamFramer::Opens(""));
  EXPECT_TRUE(JsonStreamFramer::Opens("{"));
  EXPECT_TRUE(JsonStreamFramer::Opens("\xEF\xBB\xBF["));
  EXPECT_TRUE(JsonStreamFramer::Opens(R"({"a":1},)"));
  EXPECT_TRUE(JsonStreamFramer::Opens(R"(  {"records": [)"));
}

TEST(JsonStreamFramer, APrettyArrayIsStreamedElementByElement) {
  // PowerShell 5's layout (4 spaces, two after a colon), CRLF, a byte order mark; brackets and
  // escaped quotes inside strings do not count.
  const std::string text =
      "\xEF\xBB\xBF[\r\n    {\r\n        \"a\":  \"x]}\\\"{\",\r\n        \"b\":  {\r\n"
      "                  \"c\":  [1, 2]\r\n              }\r\n    },\r\n    {\r\n"
      "        \"a\":  2\r\n    }\r\n]\r\n";
  const auto got = ReadAll(text);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload,
            "{\n        \"a\":  \"x]}\\\"{\",\n        \"b\":  {\n                  \"c\":  [1, "
            "2]\n              }\n    }");
  EXPECT_EQ(got[1].payload, "{\n        \"a\":  2\n    }");
}

TEST(JsonStreamFramer, ABatchOrPageIsStreamedAndOtherObjectsGatheredWhole) {
  const std::string text =
      "{\n  \"@odata.context\": \"x\",\n  \"value\": [\n    {\n      \"id\": \"1\"\n    },\n"
      "    \"{\\\"id\\\":\\\"2\\\"}\"\n  ],\n  \"@odata.nextLink\": "
      "\"https://g/?$skiptoken=a]\"\n}\n"
      "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b\t{\n  \"records\": [{\"id\": \"3\"}, {\"id\": "
      "\"4\"}]\n}\n"
      "{\n  \"tables\": [\n    {\"name\": \"PrimaryResult\", \"rows\": []}\n  ]\n}\n"
      "{\"id\":\"ndjson\"}\n";
  const auto got = ReadAll(text);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].payload, "{\n      \"id\": \"1\"\n    }");
  EXPECT_EQ(got[1].payload, "\"{\\\"id\\\":\\\"2\\\"}\"");  // the parser reads the text's record
  EXPECT_EQ(got[2].tenant, "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b");
  EXPECT_EQ(got[2].payload, "{\"id\": \"3\"}");
  EXPECT_EQ(got[3].payload, "{\"id\": \"4\"}");
  EXPECT_EQ(got[4].tenant, "");
  // A query response's tables are gathered without their blanks (k14b).
  EXPECT_EQ(got[4].payload, "{\n  \"tables\": [{\"name\":\"PrimaryResult\",\"rows\":[]}]\n}");
  EXPECT_EQ(got[5].payload, "{\"id\":\"ndjson\"}");
  // The elements of a streamed page or batch say that their document may go on (the parse thread
  // holds its marks until it ends); a value gathered whole and an NDJSON line do not.
  for (int i : {0, 1, 2, 3}) EXPECT_TRUE(got[i].in_stream) << i;
  EXPECT_FALSE(got[4].in_stream);
  EXPECT_FALSE(got[5].in_stream);
}

TEST(JsonStreamFramer, AStreamedPageElementKeepsItsPagesContext) {
  // Graph PowerShell / Graph Explorer: an indented page names its log in "@odata.context" before
  // its "value"; each element streamed on its own carries it (its log, which a `signUps` object
  // does not say itself). A batch without one, a top-level array and an NDJSON line have none,
  // nor has the next page anything of the page before. A long compact page streams the same way.
  const std::string context = "https://graph.microsoft.com/beta/$metadata#auditLogs/signUps";
  const std::string pad(250, 'x');  // two elements of a message each, the page longer than one
  const std::string long_page = R"({"@odata.context":"https://g/$metadata#auditLogs/signIns",)"
                                R"("value":[{"id":"5","pad":")" +
                                pad + R"("},{"id":"6","pad":")" + pad + R"("}]})";
  const std::string text =
      "{\n  \"@odata.context\": \"" + context +
      "\",\n  \"@odata.nextLink\": \"https://g/?$skiptoken=a\",\n"
      "  \"value\": [\n    {\n      \"id\": \"1\"\n    },\n    {\"id\": \"2\"}\n"
      "  ]\n}\n"
      "{\n  \"records\": [{\"id\": \"3\"}]\n}\n"
      "[\n  {\"id\": \"4\"}\n]\n" +
      long_page + "\n{\"id\":\"ndjson\"}\n";
  const auto got = ReadAll(text, /*max_bytes=*/400);
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].page_context, context);
  EXPECT_EQ(got[1].page_context, context);
  EXPECT_EQ(got[2].payload, "{\"id\": \"3\"}");
  EXPECT_EQ(got[2].page_context, "");
  EXPECT_EQ(got[3].page_context, "");
  EXPECT_EQ(got[4].page_context, "https://g/$metadata#auditLogs/signIns");
  EXPECT_EQ(got[5].page_context, "https://g/$metadata#auditLogs/signIns");
  EXPECT_EQ(got[6].page_context, "");
}

// A Graph JSON $batch response was gathered whole (a 48 MB batch of 20 sign-in listings took
// 180 MB, and one above max_message_bytes was lost as one oversized reject). Its responses are
// streamed: a 2xx body's elements one by one, each with ITS body's context (one batch may list
// several logs); any other response (a failed one, one whose status follows its body, a single
// object) alone, as a batch of that one response that the parser reads or rejects as before.
TEST(JsonStreamFramer, ABatchResponseIsStreamedResponseByResponseWithEachBodysContext) {
  const std::string sign_ins = "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns";
  const std::string sign_ups = "https://graph.microsoft.com/beta/$metadata#auditLogs/signUps";
  const std::string text =
      "{\n  \"responses\": [\n"
      "    {\n      \"id\": \"1\",\n      \"status\": 200,\n      \"headers\": {\n"
      "        \"Content-Type\": \"application/json\"\n      },\n      \"body\": {\n"
      "        \"@odata.context\": \"" +
      sign_ins +
      "\",\n"
      "        \"@odata.nextLink\": \"https://g/?$skiptoken=a]}\",\n"
      "        \"value\": [\n          {\n            \"id\": \"a1\",\n"
      "            \"status\": {\"errorCode\": 0}\n          },\n          {\"id\": \"a2\"}\n"
      "        ]\n      }\n    },\n"
      "    {\n      \"id\": \"2\",\n      \"status\": \"200\",\n      \"body\": {\n"
      "        \"@odata.context\": \"" +
      sign_ups +
      "\",\n"
      "        \"value\": [\n          {\"id\": \"b1\"}\n        ]\n      }\n    },\n"
      "    {\n      \"id\": \"3\",\n      \"status\": 403,\n      \"body\": {\n"
      "        \"error\": {\"code\": \"Authorization_RequestDenied\", \"message\": \"x\"}\n"
      "      }\n    },\n"
      "    {\n      \"body\": {\"value\": [{\"id\": \"c1\"}]},\n      \"id\": \"4\",\n"
      "      \"status\": 200\n    },\n"
      "    {\"id\": \"5\", \"status\": 200, \"body\": {\"@odata.context\": \"x/$entity\", "
      "\"id\": \"d1\"}}\n"
      "  ]\n}\n"
      "{\"id\":\"ndjson\"}\n";
  const auto got = ReadAll(text);
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].payload,
            "{\n            \"id\": \"a1\",\n            \"status\": {\"errorCode\": 0}\n"
            "          }");
  EXPECT_EQ(got[0].page_context, sign_ins);
  EXPECT_EQ(got[1].payload, "{\"id\": \"a2\"}");
  EXPECT_EQ(got[1].page_context, sign_ins);
  EXPECT_EQ(got[2].payload, "{\"id\": \"b1\"}");
  EXPECT_EQ(got[2].page_context, sign_ups);
  // The others alone, each a batch of one response.
  EXPECT_EQ(got[3].payload,
            "{\"responses\":[{\n      \"id\": \"3\",\n      \"status\": 403,\n      \"body\": {\n"
            "        \"error\": {\"code\": \"Authorization_RequestDenied\", \"message\": \"x\"}\n"
            "      }\n    }]}");
  EXPECT_EQ(got[3].page_context, "");
  EXPECT_EQ(got[4].payload,
            "{\"responses\":[{\n      \"body\": {\"value\": [{\"id\": \"c1\"}]},\n      \"id\": "
            "\"4\",\n      \"status\": 200\n    }]}");
  EXPECT_EQ(got[5].payload,
            "{\"responses\":[{\"id\": \"5\", \"status\": 200, \"body\": {\"@odata.context\": "
            "\"x/$entity\", \"id\": \"d1\"}}]}");
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(got[i].in_stream) << i;
  EXPECT_EQ(got[6].payload, "{\"id\":\"ndjson\"}");
  EXPECT_FALSE(got[6].in_stream);

  // What the parser makes of them: the failed response dead-lettered with its reason, the others
  // read as in the batch whole.
  RecordParser parser(1 << 20);
  ParseContext ctx;
  ctx.source_tenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";
  const ParseResult& failed = parser.Parse(got[3].payload, ctx);
  ASSERT_EQ(failed.rejections.size(), 1u);
  EXPECT_EQ(failed.rejections[0].reason, RejectReason::kErrorResponse);
  EXPECT_NE(failed.rejections[0].raw.find("Authorization_RequestDenied"), std::string_view::npos);
  EXPECT_TRUE(failed.events.empty());
}

// A compact $batch on one line longer than a message streams the same way; a response above the
// limit that is not streamed is cut and rejected alone, and the responses after it are read.
TEST(JsonStreamFramer, ALongCompactBatchResponseIsStreamed) {
  std::string batch = R"({"responses":[)";
  for (int r = 0; r < 3; ++r) {
    batch += (r ? "," : "");
    batch += R"({"id":")" + std::to_string(r) + R"(","status":200,"body":{"@odata.context":"c)" +
             std::to_string(r) + R"(","value":[)";
    for (int i = 0; i < 10; ++i) {
      batch += (i ? "," : "");
      batch += R"({"id":")" + std::to_string(r * 10 + i) + R"(","pad":")" + std::string(100, 'p') +
               R"("})";
    }
    batch += "]}}";
  }
  batch += R"(,{"id":"big","status":500,"body":{"error":{"message":")" + std::string(2000, 'e') +
           R"("}}},{"id":"9","status":204}]})";
  const auto got = ReadAll(batch + "\n{\"id\":\"end\"}\n", 1024);
  ASSERT_EQ(got.size(), 33u);
  EXPECT_EQ(got[0].page_context, "c0");
  EXPECT_EQ(got[29].payload, R"({"id":"29","pad":")" + std::string(100, 'p') + R"("})");
  EXPECT_EQ(got[29].page_context, "c2");
  EXPECT_EQ(got[30].payload.size(), 1025u);  // cut: the parser rejects it as oversized
  EXPECT_EQ(got[31].payload, R"({"responses":[{"id":"9","status":204}]})");
  EXPECT_EQ(got[32].payload, R"({"id":"end"})");
}

// A $batch cut at every byte (a truncated download): the source always ends, with bounded,
// non-empty messages, never more than the bytes.
TEST(JsonStreamFramer, ABatchResponseCutAnywhereEndsWithBoundedMessages) {
  const std::string batch =
      "{\n  \"responses\": [\n    {\n      \"id\": \"1\",\n      \"status\": 200,\n"
      "      \"body\": {\n        \"@odata.context\": \"c\",\n        \"value\": [\n"
      "          {\"id\": \"a\"},\n          5,\n          \"{}\"\n        ]\n      }\n    },\n"
      "    {\"id\": \"2\", \"status\": 403, \"body\": {\"error\": {\"code\": \"x\"}}},\n"
      "    7,\n    [1],\n    \"s\"\n  ]\n}\n";
  for (std::size_t cut = 1; cut <= batch.size(); ++cut) {
    const std::string text = batch.substr(0, cut) + "\n{\"id\":\"next\"}\n";
    const auto got = ReadAll(text, 1024);
    ASSERT_FALSE(got.empty()) << cut;
    EXPECT_LE(got.size(), text.size()) << cut;
    for (const Got& g : got) {
      EXPECT_FALSE(g.payload.empty()) << cut;
      EXPECT_LE(g.payload.size(), 1025u) << cut;
    }
  }
  const auto whole = ReadAll(batch, 1024);
  ASSERT_EQ(whole.size(), 7u);
  EXPECT_EQ(whole[1].payload, "5");
  EXPECT_EQ(whole[2].payload, "\"{}\"");
  EXPECT_EQ(whole[4].payload, "{\"responses\":[7]}");
  EXPECT_EQ(whole[5].payload, "{\"responses\":[[1]]}");
  EXPECT_EQ(whole[6].payload, "{\"responses\":[\"s\"]}");
}

TEST(JsonStreamFramer, AnArrayWrittenOneRecordPerLineStreamsItsRecords) {
  const auto got = ReadAll("[\n{\"id\":\"1\"},\n{\"id\":\"2\"}\n]");  // no final newline
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, "{\"id\":\"1\"}");
  EXPECT_EQ(got[1].payload, "{\"id\":\"2\"}");
}

TEST(JsonStreamFramer, AValueCutShortIsHandedOutAndTheLinesAfterItAreRead) {
  // A truncated pretty object, then NDJSON: the cut value is one message (the parser refuses it),
  // the records after it are not swallowed. At the end, a value the file ends inside.
  const std::string text =
      "{\n  \"id\": \"cut\",\n  \"status\": {\n{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\n  \"id\": "
      "\"eof\"";
  std::vector<int64_t> positions;
  const auto got = ReadAll(text, 4u << 20, &positions);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].payload, "{\n  \"id\": \"cut\",\n  \"status\": {");
  EXPECT_EQ(got[1].payload, "{\"id\":\"a\"}");
  EXPECT_EQ(got[2].payload, "{\"id\":\"b\"}");
  EXPECT_EQ(got[3].payload, "{\n  \"id\": \"eof\"");
  RecordParser parser(1 << 20);
  const ParseResult& r = parser.Parse(got[0].payload, ParseContext{});
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].reason, RejectReason::kInvalidJson);
  EXPECT_NE(r.rejections[0].detail.find("incomplete JSON value"), std::string_view::npos);
  // Positions stay at whole lines outside a value: a resumed source reads "a" again, not "b".
  EXPECT_EQ(positions[1], static_cast<int64_t>(text.find("{\"id\":\"b\"}")));
}

// An export cut between two elements of its streamed array (a download or copy stopped after a
// record's "},"): every element before the cut was read, and the cut itself vanished: no reject,
// no dead letter, exit 0, while the export's later records were missing. The array left open is
// handed out as its open bracket, which the parser rejects as an incomplete JSON value.
TEST(JsonStreamFramer, AnArrayCutBetweenElementsIsRejectedAsIncomplete) {
  const std::string one = R"({"id":"1"})";
  const std::string page = R"({"@odata.context":"c","value":[)";
  std::string long_array = "[";
  for (int i = 0; i < 20; ++i) long_array += R"({"id":")" + std::to_string(i) + R"(","p":"pppp"},)";
  RecordParser parser(1 << 20);
  for (const std::string& text :
       {"[\n  " + one + ",\n", "[\n  " + one + "\n", "[" + one + ",\n", page + "\n  " + one + ",\n",
        "{\n  \"records\": [\n    " + one + ",\n"}) {
    const auto got = ReadAll(text);
    ASSERT_EQ(got.size(), 2u) << text;
    EXPECT_EQ(got[0].payload, one) << text;
    const ParseResult& r = parser.Parse(got[1].payload, ParseContext{});
    ASSERT_EQ(r.rejections.size(), 1u) << text;
    EXPECT_EQ(r.rejections[0].reason, RejectReason::kInvalidJson) << text;
    EXPECT_NE(r.rejections[0].detail.find("incomplete JSON value"), std::string_view::npos);
  }
  // A compact array longer than a message, streamed from its long line, cut the same way.
  const auto got = ReadAll(long_array + "\n", 128);
  ASSERT_EQ(got.size(), 21u);
  EXPECT_EQ(got[19].payload, R"({"id":"19","p":"pppp"})");
  EXPECT_EQ(got[20].payload, "[");
  // A whole array still ends with its last element.
  EXPECT_EQ(ReadAll("[\n  " + one + "\n]\n").size(), 1u);
}

// A document printed with newlines but no indentation (Go's json.MarshalIndent(v, "", ""),
// Python's json.dump(v, f, indent=0)) puts every line at column 0, a nested array's objects too:
// each "{" inside a record was taken for a new value after a truncation, every record was cut
// into pieces and every line rejected (2000 records: 98444 rejects, none accepted). A value whose
// lines show that layout (a member at column 0) is read to its end; a truncated line followed by
// a record is still cut short there.
TEST(JsonStreamFramer, AnUnindentedDocumentIsReadWhole) {
  const std::string record1 =
      "{\n\"id\": \"1\",\n\"authenticationDetails\": [\n{\n\"step\": 1\n},\n{\n\"step\": "
      "2\n}\n],\n\"status\": {\n\"errorCode\": 0\n}\n}";
  const std::string record2 = "{\n\"id\": \"2\",\n\"a\": [\n[\n1\n]\n]\n}";
  const auto got =
      ReadAll("[\n" + record1 + ",\n" + record2 + "\n]\n{\"id\":\"cut\",\n{\"id\":\"z\"}\n");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].payload, record1);
  EXPECT_EQ(got[1].payload, record2);
  EXPECT_EQ(got[2].payload, "{\"id\":\"cut\",");  // a truncated NDJSON line stays cut short
  EXPECT_EQ(got[3].payload, "{\"id\":\"z\"}");
}

// A long line arrives in pieces of the reader's buffer: a scalar element (a number, true) ended
// with each piece as if it were the line's end, so one cut by a piece boundary became two
// messages (two rejects, each half dead-lettered).
TEST(JsonStreamFramer, AScalarElementCutByAPieceOfALongLineIsOneMessage) {
  std::string array = "[";
  for (int i = 0; i < 40000; ++i) array += std::string(i ? "," : "") + "123456789";
  array += "]";
  const auto got = ReadAll(array + "\n", 1024);  // 400 KB: several pieces
  ASSERT_EQ(got.size(), 40000u);
  for (const Got& g : got) ASSERT_EQ(g.payload, "123456789");
}

TEST(JsonStreamFramer, AnElementAboveTheLimitIsCutAndTheNextOnesRead) {
  const std::string big = "    {\"id\": \"" + std::string(3000, 'x') + "\"},\n";
  const auto got = ReadAll("[\n" + big + "    {\"id\": \"small\"}\n]\n", 1024);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload.size(), 1025u);  // the parser rejects it as oversized
  EXPECT_EQ(got[1].payload, "{\"id\": \"small\"}");
  // The cut element names its whole size (its dead-letter entry's `size`, with `kept` and
  // `hash`; breaker round 33: the prefix's 1025 was named); a whole one names none.
  EXPECT_EQ(got[0].whole_size, std::string("{\"id\": \"\"}").size() + 3000);
  EXPECT_EQ(got[1].whole_size, 0u);
  // So does one of a compact batch on one line longer than a message (streamed from its pieces).
  const std::string compact =
      "{\"records\":[{\"id\":\"" + std::string(5000, 'y') + "\"},{\"id\":\"small\"}]}\n";
  const auto pieces = ReadAll(compact, 1024);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].payload.size(), 1025u);
  EXPECT_EQ(pieces[0].whole_size, std::string("{\"id\":\"\"}").size() + 5000);
  EXPECT_EQ(pieces[1].whole_size, 0u);
}

TEST(JsonStreamFramer, NdjsonLinesAndNulPaddingArriveAsBefore) {
  const std::string text = std::string("{\"id\":\"1\"}\r\n") + std::string(100, '\0') +
                           "{\"id\":\"2\"}\n{\"id\":\"3\"}" + std::string(50, '\0');
  const auto got = ReadAll(text);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, "{\"id\":\"1\"}");
  EXPECT_EQ(got[1].payload, "{\"id\":\"2\"}");
  EXPECT_EQ(got[2].payload, "{\"id\":\"3\"}");  // the zeros after it on its line dropped
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// A compact array or batch on one line longer than max_message_bytes (a Graph page fetched with
// curl, a portal download) was one oversized reject: every record in it lost. It is streamed
// element by element like a pretty-printed one; another long line is still cut and rejected.
TEST(JsonStreamFramer, ALongCompactArrayOrPageIsStreamedAndOtherLongLinesCut) {
  std::string page = R"({"@odata.context":"x","value":[)";
  std::string array = "[";
  for (int i = 0; i < 800; ++i) {
    const std::string record =
        R"({"id":")" + std::to_string(i) + R"(","pad":")" + std::string(100, 'p') + R"("})";
    page += (i ? "," : "") + record;
    array += (i ? "," : "") + record;
  }
  page += R"(],"@odata.nextLink":"https://g/?$skiptoken=a"})";
  array += "]";
  const std::string long_object = R"({"a":")" + std::string(5000, 'x') + R"("})";
  const auto got = ReadAll(page + "\n" + array + "\r\n" + long_object + "\n{\"id\":\"end\"}", 1024);
  ASSERT_EQ(got.size(), 1602u);
  EXPECT_EQ(got[0].payload, R"({"id":"0","pad":")" + std::string(100, 'p') + R"("})");
  EXPECT_EQ(got[799].payload, R"({"id":"799","pad":")" + std::string(100, 'p') + R"("})");
  EXPECT_EQ(got[1599].payload, R"({"id":"799","pad":")" + std::string(100, 'p') + R"("})");
  EXPECT_GT(got[1600].payload.size(), 1024u);  // whole or cut: the parser rejects it as oversized
  EXPECT_EQ(got[1601].payload, R"({"id":"end"})");
}

// A line that ends one value and opens the next ({..}{.. , the rest on the next line): after the
// first value the position was past that line, so a checkpoint taken then resumed after it and
// the second record was never read. The position stays at the line until the framer is done.
TEST(JsonStreamFramer, APositionNeverSkipsAValueStartedOnALineAlreadyRead) {
  const std::string text = "{\"id\":\"a\"}{\"id\":\"b\",\n  \"c\": 1}\n{\"id\":\"z\"}\n";
  std::vector<int64_t> positions;
  const auto got = ReadAll(text, 4u << 20, &positions);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, R"({"id":"a"})");
  EXPECT_EQ(got[1].payload, "{\"id\":\"b\",\n  \"c\": 1}");
  EXPECT_EQ(got[2].payload, R"({"id":"z"})");
  EXPECT_EQ(positions[0], 0);  // was the end of the first line: "b" lost on resume
  EXPECT_EQ(positions[2], static_cast<int64_t>(text.size()));
}

// Positions inside a streamed long line are its start (a resume reads it again, deduplicated);
// after it, the next line's.
TEST(JsonStreamFramer, PositionsOfAStreamedLongLineAreItsStart) {
  std::string array = "[";
  for (int i = 0; i < 6000; ++i)
    array += std::string(i ? "," : "") + R"({"id":")" + std::to_string(i) + R"("})";
  array += "]";
  const std::string first = "{\"id\":\"first\"}\n";
  const std::string text = first + array + "\n{\"id\":\"end\"}\n";
  std::vector<int64_t> positions;
  const auto got = ReadAll(text, 1024, &positions);  // the line (90 KB) arrives in pieces
  ASSERT_EQ(got.size(), 6002u);
  EXPECT_EQ(got[6000].payload, R"({"id":"5999"})");
  for (int i = 1; i <= 6000; ++i) {
    ASSERT_EQ(positions[i], static_cast<int64_t>(first.size())) << i;
  }
  EXPECT_EQ(positions[6001], static_cast<int64_t>(text.size()));
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// PowerShell exports joined with `cat` (each with its byte order mark, the first without a final
// newline, the second cut short, a third after it): the records of each are read, the cut one is
// one message.
TEST(JsonStreamFramer, ExportsJoinedWithCatAreReadOneAfterAnother) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string text = bom + "[\r\n    {\"id\": \"1\"}\r\n]" + bom +
                           "[\r\n    {\"id\": \"2\"},\r\n" + "    {\"id\":\r\n" + bom +
                           "{\r\n  \"id\": \"3\"\r\n}\r\n";
  const auto got = ReadAll(text);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].payload, "{\"id\": \"1\"}");
  EXPECT_EQ(got[1].payload, "{\"id\": \"2\"}");
  EXPECT_EQ(got[2].payload, "{\"id\":");  // cut short: the parser rejects it
  EXPECT_EQ(got[3].payload, "{\n  \"id\": \"3\"\n}");
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// Random lines of JSON punctuation: the source always ends, every message is non-empty (but a
// framed line's empty payload, as before) and bounded, and there are never more messages than
// bytes.
TEST(JsonStreamFramer, RandomPunctuationAlwaysEndsWithBoundedMessages) {
  const std::string alphabet = "{}[]\",: \\ax\t";
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 230; ++round) {
    // The last rounds write lines longer than the limit across the reader's 64 KiB reads (the
    // pieces of a long line).
    const bool long_lines = round >= 200;
    std::string text;
    const int lines = long_lines ? 60 : 1 + static_cast<int>(next() % 12);
    for (int l = 0; l < lines; ++l) {
      const int n = static_cast<int>(next() % (long_lines ? 6000 : 40));
      for (int i = 0; i < n; ++i) text += alphabet[next() % alphabet.size()];
      text += '\n';
    }
    const auto got = ReadAll(text, 1024);
    EXPECT_LE(got.size(), text.size()) << text;
    for (const Got& g : got) {
      EXPECT_FALSE(g.payload.empty() && g.tenant.empty()) << text;  // "x\t": a frame, no payload
      // The framer's messages are cut at the limit + 1; a line found whole in the reader's
      // buffer goes to the parser whole, as before (rejected as oversized there).
      EXPECT_LE(g.payload.size(), long_lines ? 1024 + LineReader::kReadBytes + 1024 : 1025u);
    }
  }
}

// z8a: a Log Analytics / Kusto v1 query response longer than a message is handed out in parts,
// each a response of its own with the table's members before its rows (the columns name them).
std::string QueryResponse(int rows, bool pretty, bool columns_first = true) {
  const std::string nl = pretty ? "\n" : "";
  const std::string in = pretty ? "      " : "";
  const std::string columns =
      in + R"("columns": [{"name": "Id", "type": "string"}, {"name": "Note", "type": "string"}])";
  std::string text = "{" + nl + R"(  "tables": [)" + nl + "    {" + nl + in +
                     R"("name": "PrimaryResult",)" + nl +
                     (columns_first ? columns + "," + nl : "") + in + R"("rows": [)" + nl;
  for (int r = 0; r < rows; ++r) {
    text += in + "  [\"row-" + std::to_string(r) + "\", \"" + std::string(60, 'x') + "\"]" +
            (r + 1 < rows ? "," : "") + nl;
  }
  text +=
      in + "]" + (columns_first ? "" : "," + nl + columns) + nl + "    }" + nl + "  ]" + nl + "}\n";
  return text;
}

TEST(QueryResponses, ALongResponseIsHandedOutInPartsEachWithItsColumns) {
  EXPECT_TRUE(JsonStreamFramer::StreamsAt(R"({"tables":[{"name":"PrimaryResult","columns":[)"));
  EXPECT_TRUE(JsonStreamFramer::StreamsAt(R"({"Tables": [{"TableName":"Table_0")"));
  for (const bool pretty : {false, true}) {
    const std::string text = QueryResponse(20, pretty);
    ASSERT_GT(text.size(), 600u);
    const auto got = ReadAll(text, 600);
    ASSERT_GT(got.size(), 1u) << text;
    int rows = 0;
    for (const Got& g : got) {
      EXPECT_LE(g.payload.size(), 600u) << g.payload;
      EXPECT_TRUE(g.payload.ends_with("}")) << g.payload;
      // Outside the rows, gathered without blanks (k14b).
      EXPECT_NE(g.payload.find(R"("columns":[{"name":"Id")"), std::string::npos) << g.payload;
      EXPECT_EQ(g.payload.find("[,"), std::string::npos) << g.payload;
      for (std::size_t at = g.payload.find("\"row-"); at != std::string::npos;
           at = g.payload.find("\"row-", at + 1)) {
        ++rows;
      }
    }
    EXPECT_EQ(rows, 20) << text;
  }
  // Within half the limit: one message, as before.
  ASSERT_LT(QueryResponse(2, false).size(), 300u);
  EXPECT_EQ(ReadAll(QueryResponse(2, false), 600).size(), 1u);
  // Past half the limit at the end of its rows: cut there, the table kept with no rows (the
  // tables after it, a Kusto v1 table of contents, then have a part's room).
  const auto cut = ReadAll(QueryResponse(3, true), 600);
  ASSERT_EQ(cut.size(), 2u);
  EXPECT_NE(cut[0].payload.find("row-2"), std::string::npos) << cut[0].payload;
  EXPECT_EQ(cut[1].payload.find("row-"), std::string::npos) << cut[1].payload;
  // Rows before the columns that name them are not cut: gathered whole (and refused as too long).
  const auto whole = ReadAll(QueryResponse(20, true, /*columns_first=*/false), 600);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].payload.size(), 601u);
}

// k14a: a Kusto v1 response whose table of contents names a later table as a query result (a
// batch of two queries: its first result is small) longer than a message. Only the first table's
// rows were cut: the second was gathered whole and refused as oversized, every row lost. Any
// table's rows are cut now; a part of a later table holds `{}` in the place of each table before
// it, so the contents in the last part still name the tables by their ordinals.
TEST(QueryResponses, ALaterResultTableIsCutWithTheTablesBeforeItHeldEmpty) {
  for (const bool pretty : {false, true}) {
    const std::string nl = pretty ? "\n  " : "";
    std::string text =
        R"({"Tables":[)" + nl +
        R"({"TableName":"Table_0","Columns":[{"ColumnName":"Count"}],"Rows":[[1]]},)" + nl +
        R"({"TableName":"Table_1","Columns":[{"ColumnName":"Id"}],"Rows":[)";
    for (int r = 0; r < 20; ++r) {
      text +=
          (r > 0 ? "," : "") + nl + "[\"row-" + std::to_string(r) + std::string(60, 'x') + "\"]";
    }
    text += "]}," + nl +
            R"({"TableName":"Table_2","Columns":[{"ColumnName":"Ordinal"},{"ColumnName":"Kind"}],)"
            R"("Rows":[[0,"QueryResult"],[1,"QueryResult"]]}]})"
            "\n";
    const auto got = ReadAll(text, 600);
    ASSERT_GT(got.size(), 2u) << text;
    int rows = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const std::string& m = got[i].payload;
      EXPECT_LE(m.size(), 600u) << m;
      EXPECT_EQ(m.find("[,"), std::string::npos) << m;
      if (i > 0) {
        EXPECT_TRUE(m.starts_with(R"({"tables":[{},{"TableName":"Table_1")")) << m;
      }
      for (std::size_t at = m.find("\"row-"); at != std::string::npos;
           at = m.find("\"row-", at + 1)) {
        ++rows;
      }
    }
    EXPECT_EQ(rows, 20) << text;
    EXPECT_NE(got.back().payload.find(R"("ColumnName":"Ordinal")"), std::string::npos);
    EXPECT_EQ(got.back().payload.find("\"row-"), std::string::npos) << got.back().payload;
  }
}

// k14b: an indented column list (`az rest`, 41 columns of SigninLogs: 3.5 KB) left no room for a
// row under a small max_message_bytes: the whole response was one oversized reject. Outside the
// rows being cut, the tables are gathered without blanks: each part is the compact columns and
// as many rows as fit.
TEST(QueryResponses, AnIndentedColumnListIsGatheredWithoutItsBlanks) {
  std::string text =
      "{\n  \"tables\": [\n    {\n      \"name\": \"PrimaryResult\",\n      \"columns\": [";
  for (int c = 0; c < 12; ++c) {
    text += std::string(c > 0 ? "," : "") + "\n        {\n          \"name\": \"Column" +
            std::to_string(c) + "\",\n          \"type\": \"string\"\n        }";
  }
  text += "\n      ],\n      \"rows\": [";
  for (int r = 0; r < 6; ++r) {
    text += std::string(r > 0 ? "," : "") + "\n        [\n          \"row-" + std::to_string(r) +
            "\"\n        ]";
  }
  text += "\n      ]\n    }\n  ]\n}\n";
  // The indented header alone is longer than the limit; compact, it and a row fit.
  ASSERT_GT(text.find("\"rows\""), 700u);
  const auto got = ReadAll(text, 700);
  int rows = 0;
  for (const Got& g : got) {
    EXPECT_LE(g.payload.size(), 700u) << g.payload;
    EXPECT_NE(g.payload.find(R"("columns":[{"name":"Column0","type":"string"},)"),
              std::string::npos)
        << g.payload;
    for (std::size_t at = g.payload.find("\"row-"); at != std::string::npos;
         at = g.payload.find("\"row-", at + 1)) {
      ++rows;
    }
  }
  EXPECT_EQ(rows, 6);
}

// z8b: a Kusto v2 DataTable frame (an element of a streamed frame array) longer than a message is
// handed out in parts, each the frame's members before its rows, then rows.
TEST(QueryResponses, ALongKustoV2FrameIsHandedOutInParts) {
  std::string text =
      R"([{"FrameType":"DataSetHeader","Version":"v2.0"},)"
      R"({"FrameType":"DataTable","TableKind":"PrimaryResult","TableName":"PrimaryResult",)"
      R"("Columns":[{"ColumnName":"Id","ColumnType":"string"}],"Rows":[)";
  for (int r = 0; r < 20; ++r) {
    text += (r > 0 ? "," : "") + std::string("[\"row-") + std::to_string(r) + std::string(60, 'x') +
            "\"]";
  }
  text += R"(]},{"FrameType":"DataSetCompletion","HasErrors":false}])"
          "\n";
  const auto got = ReadAll(text, 600);
  int rows = 0, parts = 0;
  for (const Got& g : got) {
    EXPECT_LE(g.payload.size(), 600u) << g.payload;
    EXPECT_EQ(g.payload.find("[,"), std::string::npos) << g.payload;
    if (g.payload.find("\"row-") == std::string::npos) continue;
    ++parts;
    EXPECT_TRUE(g.payload.starts_with(R"({"FrameType":"DataTable","TableKind":"PrimaryResult")"))
        << g.payload;
    EXPECT_TRUE(g.payload.ends_with("]}")) << g.payload;
    for (std::size_t at = g.payload.find("\"row-"); at != std::string::npos;
         at = g.payload.find("\"row-", at + 1)) {
      ++rows;
    }
  }
  EXPECT_GT(parts, 1);
  EXPECT_EQ(rows, 20);
}

// m5: a compact Elasticsearch search response longer than a message: its hits are streamed.
TEST(ElasticsearchResponses, ALongCompactResponseIsStreamed) {
  EXPECT_TRUE(JsonStreamFramer::StreamsAt(R"({"took":3,"hits":{"total":{"value":9},"hits":[{"_)"));
  EXPECT_TRUE(JsonStreamFramer::StreamsAt(R"({"hits" : { "hits" : [ {"_id")"));
  EXPECT_FALSE(JsonStreamFramer::StreamsAt(R"({"took":3,"hits":{"total":{"hits":[)"));
  EXPECT_FALSE(JsonStreamFramer::StreamsAt(R"({"took":3,"x":{"hits":[{"_)"));
}

}  // namespace
}  // namespace privmon
