package chainkg;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Neo4j Community (embedded DBMS) with a Bolt connector on 127.0.0.1, for development and CI.
 * Started and stopped by scripts/neo4j.sh, which waits for the READY line printed below.
 *
 * <p>Usage: {@code java chainkg.Neo4jServer HOME_DIR} (data in HOME_DIR/data, logs in HOME_DIR/logs).
 * Environment: CHAINKG_NEO4J_PORT (7687), CHAINKG_NEO4J_PASSWORD (chainkg-dev-pw, user neo4j),
 * CHAINKG_NEO4J_PAGECACHE_MB (256).
 */
public final class Neo4jServer {
    /** scripts/neo4j.sh greps the log for this; printed only once clients can log in. */
    static final String READY = "chainkg-neo4j: READY";

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args.length > 0 ? args[0] : ".neo4j").toAbsolutePath();
        int port = Integer.parseInt(env("CHAINKG_NEO4J_PORT", "7687"));
        String password = env("CHAINKG_NEO4J_PASSWORD", "chainkg-dev-pw");
        long pageCacheMb = Long.parseLong(env("CHAINKG_NEO4J_PAGECACHE_MB", "256"));
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                // The embedded DBMS has no user log by default; send it to stdout (the log file).
                .setUserLogProvider(new Log4jLogProvider(System.out))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                // The routing table that neo4j:// drivers fetch hands out this address, so it must
                // be one the client can reach (the default "localhost" may resolve to ::1 first).
                .setConfig(BoltConnector.advertised_address, bolt)
                // Plain bolt:// and neo4j:// (no TLS) for local use; nothing listens off-host.
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress("127.0.0.1"))
                // Server-side routing (on by default) opens a second port, 7688; a standalone server
                // has nothing to route to, and neo4j:// drivers still get their routing table
                // (client-side routing, dbms.routing.default_router=CLIENT) without it.
                .setConfig(GraphDatabaseSettings.routing_enabled, false)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.udc_enabled, false) // no usage pings from CI
                // Transaction logs are otherwise preallocated at 256 MiB per database (~0.5 GB
                // for an empty dev server); let them grow as needed instead.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // Bolt waits 5 s per stage for connections/threads on shutdown (~10 s per stop);
                // for a local dev server 1 s is plenty and keeps stop/restart in tests quick.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .build();
        // scripts/neo4j.sh stop sends SIGTERM; shutdown() checkpoints and closes the stores so the
        // next start needs no recovery. (A signal during build() just exits; the next start
        // recovers from the transaction logs.)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("chainkg-neo4j: shutting down");
            dbms.shutdown();
            System.out.println("chainkg-neo4j: stopped");
        }, "chainkg-neo4j-shutdown"));
        long dbmsUp = ManagementFactory.getRuntimeMXBean().getUptime();

        setPassword(dbms, home, password);
        System.out.printf("%s bolt://%s (user neo4j; JVM uptime: DBMS %.1f s, ready %.1f s)%n", READY, bolt,
                dbmsUp / 1000.0, ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
        new CountDownLatch(1).await(); // serve until SIGTERM/SIGINT runs the shutdown hook
    }

    /**
     * Embedded mode has no neo4j-admin set-initial-password step, so set the known dev password
     * here (clearing the "must change password" flag of the default neo4j/neo4j user). The first
     * system-database query costs ~2 s of Cypher warm-up, so a digest of the password last set is
     * kept under data/ and the query runs only when CHAINKG_NEO4J_PASSWORD changed or data/ is new.
     * (A password changed by hand through Cypher is not undone: delete that file to reset it.)
     */
    private static void setPassword(DatabaseManagementService dbms, Path home, String password)
            throws Exception {
        Path marker = home.resolve("data").resolve("chainkg-password.sha256");
        String digest = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8)));
        if (Files.exists(marker) && Files.readString(marker).strip().equals(digest)) {
            return;
        }
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (QueryExecutionException e) {
            // Raised when the password is already the requested one: nothing to do.
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
        Files.writeString(marker, digest + "\n");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
