package fastscore;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A jet of the fastscore engine for Java models: one JVM running one instance of a model,
 * speaking the engine's jet protocol (src/engine/runner/protocol.rs) over its standard
 * input and output; the model's own output goes to standard error.
 *
 * Usage: java -cp ... fastscore.Runner ModelClass
 */
public final class Runner {
    /** Outputs leave the jet at most this long (ns) after the model made them. */
    private static final long FLUSH_AFTER = 50_000_000L;

    private final DataInputStream in;
    private final OutputStream out;
    private final StringBuilder pending = new StringBuilder();
    private String batchId = "0";
    private int slot;
    private long seqno;
    private List<String> records = new ArrayList<>();
    private int index = -1;
    private long lastFlush = System.nanoTime();

    private Runner(DataInputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        // the model's prints go where the engine reads its console
        System.setOut(System.err);
        Runner jet = new Runner(new DataInputStream(new BufferedInputStream(System.in, 1 << 16)), out);
        jet.run(args[0]);
    }

    /** Whether the configuration turns record sets on for a slot (`inputs` or `outputs`). */
    private static boolean recordSets(Object config, String side, int slot) {
        Object slots = ((java.util.Map<?, ?>) config).get(side);
        Object spec = slots instanceof java.util.Map ? ((java.util.Map<?, ?>) slots).get(Integer.toString(slot)) : null;
        return spec instanceof java.util.Map && Boolean.TRUE.equals(((java.util.Map<?, ?>) spec).get("recordsets"));
    }

    private void run(String className) throws IOException {
        Object config = Json.parse(new String(receive().payload, StandardCharsets.UTF_8));
        boolean setsOut = recordSets(config, "outputs", 1);
        Object model;
        try {
            model = Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (Throwable e) {
            fail(e);
            return;
        }
        Model m = Model.of(model);
        if (m == null) {
            fail(new IllegalArgumentException(
                    className + " does not implement fastscore.IJavaModel (begin, action, end)"));
            return;
        }
        try {
            m.begin();
            while (true) {
                send('N', "*".getBytes(StandardCharsets.US_ASCII));
                Frame f = receive();
                if (f.kind == 'E') {
                    break;
                }
                String body = takeBatch(f.payload);
                if (recordSets(config, "inputs", slot)) {
                    // a record set is one call: the JSON array of its records
                    String result = m.action(body);
                    if (result != null && setsOut && result.trim().startsWith("[")) {
                        for (String r : Json.elements(result)) {
                            output(r);
                        }
                        output("{\"$fastscore\": \"set\"}");
                    } else if (result != null) {
                        output(result);
                    }
                } else {
                    for (index = 0; index < records.size(); index++) {
                        String result = m.action(records.get(index));
                        if (result != null) {
                            output(result);
                        }
                        if (System.nanoTime() - lastFlush >= FLUSH_AFTER) {
                            flushOutputs();
                        }
                    }
                }
                index = -1;
                flushOutputs();
                send('D', batchId.getBytes(StandardCharsets.US_ASCII));
                batchId = "0";
                records = new ArrayList<>();
            }
            m.end();
            flushOutputs();
        } catch (Throwable e) {
            fail(e);
            return;
        }
        send('F', new byte[0]);
    }

    private void output(String record) {
        if (pending.length() > 0) {
            pending.append('\n');
        }
        // a JSON text's line breaks are whitespace: one record, one line
        pending.append(record.replace('\n', ' ').replace('\r', ' '));
    }

    private void flushOutputs() throws IOException {
        if (pending.length() > 0) {
            String frame = batchId + " 1\n" + pending;
            send('O', frame.getBytes(StandardCharsets.UTF_8));
            pending.setLength(0);
        }
        lastFlush = System.nanoTime();
    }

    /** Take a batch's records; the JSON array they came in. */
    private String takeBatch(byte[] payload) {
        int nl = 0;
        while (payload[nl] != '\n') {
            nl++;
        }
        String[] head = new String(payload, 0, nl, StandardCharsets.US_ASCII).split(" ");
        batchId = head[0];
        slot = Integer.parseInt(head[1]);
        seqno = Long.parseLong(head[2]);
        String body = new String(payload, nl + 1, payload.length - nl - 1, StandardCharsets.UTF_8);
        records = Json.elements(body);
        if (head[3].equals("b")) {
            // raw records: each a JSON string of the bytes
            List<String> raw = new ArrayList<>();
            for (String r : records) {
                raw.add(Json.string(r));
            }
            records = raw;
        }
        return body;
    }

    private void fail(Throwable e) throws IOException {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        StringBuilder report = new StringBuilder("{\"message\": ");
        report.append(Json.quote(e.toString()));
        report.append(", \"traceback\": ").append(Json.quote(trace.toString()));
        report.append(", \"input\": ");
        if (records.isEmpty() || batchId.equals("0")) {
            report.append("null");
        } else {
            int from = index >= 0 ? index : Math.max(0, records.size() - 10);
            int to = index >= 0 ? index + 1 : records.size();
            report.append("{\"slot\": ").append(slot).append(", \"seqno\": ").append(seqno + from);
            report.append(", \"data\": [");
            for (int i = from; i < to; i++) {
                report.append(i > from ? ", " : "").append(Json.quote(records.get(i)));
            }
            report.append("], \"batch_len\": ").append(records.size()).append(", \"encoding\": \"json\"}");
        }
        report.append('}');
        try {
            flushOutputs();
        } catch (IOException ignored) {
            // the report matters more
        }
        send('X', report.toString().getBytes(StandardCharsets.UTF_8));
        System.exit(3);
    }

    private static final class Frame {
        final char kind;
        final byte[] payload;

        Frame(char kind, byte[] payload) {
            this.kind = kind;
            this.payload = payload;
        }
    }

    private Frame receive() throws IOException {
        out.flush();
        byte[] head = new byte[5];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            System.exit(0); // the engine went away
        }
        int size = (head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16 | (head[3] & 0xff) << 24;
        byte[] payload = new byte[size];
        in.readFully(payload);
        return new Frame((char) head[4], payload);
    }

    private void send(char kind, byte[] payload) throws IOException {
        int n = payload.length;
        out.write(new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24), (byte) kind});
        out.write(payload);
        if (kind != 'O' && kind != 'D') {
            out.flush();
        }
    }

    /** The model's three methods, whichever interface it implements. */
    private interface Model {
        void begin();

        String action(String datum);

        void end();

        static Model of(Object o) {
            if (o instanceof IJavaModel) {
                IJavaModel m = (IJavaModel) o;
                return new Model() {
                    public void begin() { m.begin(); }
                    public String action(String d) { return m.action(d); }
                    public void end() { m.end(); }
                };
            }
            if (o instanceof FastScoreModel) {
                FastScoreModel m = (FastScoreModel) o;
                return new Model() {
                    public void begin() { m.begin(); }
                    public String action(String d) { return m.action(d); }
                    public void end() { m.end(); }
                };
            }
            return null;
        }
    }
}
