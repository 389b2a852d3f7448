package io.quiver.schemas.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NettyTransportTest {

    @Test
    void linuxOnX86_64GetsTheNativeEpollTransport() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        boolean linuxX64 = os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        if (linuxX64 && System.getProperty(NettyTransport.PROPERTY) == null) {
            assertThat(NettyTransport.preferred()).isEqualTo(NettyTransport.EPOLL);
        } else {
            assertThat(NettyTransport.preferred()).isNotNull();
        }
    }

    @Test
    void thePropertyTakesEpollOrNioInAnyCaseAndNamesThemForAnythingElse() {
        assertThat(NettyTransport.requested("")).isEqualTo("epoll");
        assertThat(NettyTransport.requested("EPOLL")).isEqualTo("epoll");
        assertThat(NettyTransport.requested(" nio ")).isEqualTo("nio");
        assertThatThrownBy(() -> NettyTransport.requested("kqueue"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown value 'kqueue' of -Dquiver.netty.transport (epoll or nio)");
    }

    /** The group and both channel classes of a transport work together over loopback. */
    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void aServerAndAClientOfOneTransportEchoOverLoopback(NettyTransport transport)
            throws Exception {
        if (transport == NettyTransport.EPOLL
                && NettyTransport.preferred() != NettyTransport.EPOLL) {
            return; // no native library here: NIO is what this platform runs
        }
        EventLoopGroup group = transport.group(1, new DefaultThreadFactory("transport-test"));
        try {
            Channel server =
                    new ServerBootstrap()
                            .group(group)
                            .channel(transport.serverChannel())
                            .childHandler(
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(
                                                ChannelHandlerContext ctx, Object m) {
                                            ctx.writeAndFlush(m);
                                        }
                                    })
                            .bind("127.0.0.1", 0)
                            .sync()
                            .channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel client =
                    new Bootstrap()
                            .group(group)
                            .channel(transport.socketChannel())
                            .handler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            ch.pipeline()
                                                    .addLast(
                                                            new SimpleChannelInboundHandler<
                                                                    ByteBuf>() {
                                                                @Override
                                                                protected void channelRead0(
                                                                        ChannelHandlerContext ctx,
                                                                        ByteBuf msg) {
                                                                    echoed.complete(
                                                                            msg.toString(
                                                                                    StandardCharsets
                                                                                            .UTF_8));
                                                                }
                                                            });
                                        }
                                    })
                            .connect((InetSocketAddress) server.localAddress())
                            .sync()
                            .channel();
            client.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8));
            assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
