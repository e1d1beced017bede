package fastscore;

/** A Java model: the engine calls begin once, action for every record, end at the end. */
public interface IJavaModel {
    void begin();

    /** The record as JSON text; the output record as JSON text, or null for none. */
    String action(String datum);

    void end();
}
