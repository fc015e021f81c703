package io.reactivewspool.internal.codec;

import io.reactivewspool.message.JsonCodecOptions;
import io.reactivewspool.message.WsCodec;

/**
 * The binary codecs, built only when their optional library is on the class path; otherwise an
 * error that names the missing artifact, instead of a {@code NoClassDefFoundError} at first use.
 */
public final class FormatLibraries {

    private FormatLibraries() {
    }

    public static WsCodec cbor(JsonCodecOptions options) {
        require("tools.jackson.dataformat.cbor.CBORMapper", "tools.jackson.dataformat:jackson-dataformat-cbor", "WsCodec.cbor()");
        return options == JsonCodecOptions.defaults() ? JacksonCborCodec.DEFAULT : new JacksonCborCodec(options);
    }

    public static WsCodec messagePack(JsonCodecOptions options) {
        require("org.msgpack.core.MessagePack", "org.msgpack:msgpack-core", "WsCodec.messagePack()");
        return options == JsonCodecOptions.defaults() ? MessagePackCodec.DEFAULT : new MessagePackCodec(options);
    }

    private static void require(String className, String artifact, String factory) {
        try {
            Class.forName(className, false, FormatLibraries.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(factory + " needs " + artifact + " on the class path (an optional "
                    + "dependency of reactive-wspool); add it to the application's dependencies", e);
        }
    }
}
