package io.quiver.job;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.SearchRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;

/** A blocking one-request-per-connection shard RPC client, enough for tests. */
final class ShardRpcTestClient {

    private ShardRpcTestClient() {}

    /** Sends {@code request} and returns the decoded answer (a SearchResponse or an RpcError). */
    static Object call(String host, int port, SearchRequest request) throws IOException {
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeRequest(request, body);
        byte[] bytes = new byte[body.readableBytes()];
        body.readBytes(bytes);
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(60_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            return RpcCodec.read(Unpooled.wrappedBuffer(answer));
        }
    }
}
