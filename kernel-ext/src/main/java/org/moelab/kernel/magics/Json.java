package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.moelab.kernel.MagicException;

/** Backend JSON into the magics' records: unknown fields are ignored, so a newer backend stays readable. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    static <T> T read(JsonNode node, Class<T> type) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (Exception e) {
            throw new MagicException("cannot read the backend's answer as " + type.getSimpleName() + ": " + e.getMessage());
        }
    }
}
