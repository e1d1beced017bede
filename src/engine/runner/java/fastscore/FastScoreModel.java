package fastscore;

/** The archived name of IJavaModel, for models written against it. */
public interface FastScoreModel {
    void begin();

    String action(String datum);

    void end();
}
