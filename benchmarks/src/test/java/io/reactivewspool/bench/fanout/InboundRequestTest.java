package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class InboundRequestTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"publish\",\"topic\":\"t\",\"data\":{\"a\":[1,2,{\"b\":null}]}}|{\"a\":[1,2,{\"b\":null}]}",
            "{\"data\":\"a \\\"quoted\\\" string\",\"type\":\"publish\",\"topic\":\"t\"}|\"a \\\"quoted\\\" string\"",
            "{\"type\":\"publish\", \"data\" : 12.5e3 , \"topic\":\"t\"}|12.5e3",
            "{\"type\":\"publish\",\"topic\":\"t\",\"data\":true }|true",
            "{\"type\":\"publish\",\"topic\":\"t\",\"data\":[ ] ,\"id\":\"x\"}|[ ]",
    })
    void dataIsTheRawTextOfTheValue(String json, String data) {
        InboundRequest r = InboundRequest.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.problem).isNull();
        assertThat(r.type).isEqualTo("publish");
        assertThat(r.topic).isEqualTo("t");
        assertThat(r.dataText()).isEqualTo(data);
    }

    @Test
    void unicodeDataIsCopiedByteForByte() {
        String json = "{\"type\":\"publish\",\"topic\":\"t\",\"data\":\"é€😀\",\"id\":\"1\"}";
        InboundRequest r = InboundRequest.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.dataText()).isEqualTo("\"é€😀\"");
        assertThat(r.id).isEqualTo("1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json|malformed JSON",
            "[1,2]|message is not a JSON object",
            "{\"topic\":\"t\"}|missing type",
            "{\"type\":3}|type must be a string",
            "{\"type\":\"publish\",\"data\":{|malformed JSON",
    })
    void badInputNamesTheProblem(String json, String problem) {
        assertThat(InboundRequest.parse(json.getBytes(StandardCharsets.UTF_8)).problem).isEqualTo(problem);
    }
}
