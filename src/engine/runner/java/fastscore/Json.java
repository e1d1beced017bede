package fastscore;

import java.util.ArrayList;
import java.util.List;

/** The little JSON the runner needs: its configuration, an array's elements, strings. */
final class Json {
    private Json() {}

    /** The texts of the elements of a JSON array (the engine's batches are valid JSON). */
    static List<String> elements(String array) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = -1;
        boolean inString = false;
        for (int i = 0; i < array.length(); i++) {
            char c = array.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"':
                    inString = true;
                    if (depth == 1 && start < 0) {
                        start = i;
                    }
                    break;
                case '[':
                case '{':
                    depth++;
                    if (depth == 2 && start < 0) {
                        start = i;
                    }
                    break;
                case ']':
                case '}':
                    if (depth == 1 && start >= 0) {
                        out.add(array.substring(start, i).trim());
                        start = -1;
                    }
                    depth--;
                    break;
                case ',':
                    if (depth == 1 && start >= 0) {
                        out.add(array.substring(start, i).trim());
                        start = -1;
                    }
                    break;
                default:
                    if (depth == 1 && start < 0 && !Character.isWhitespace(c)) {
                        start = i;
                    }
            }
        }
        return out;
    }

    /** A JSON text as maps, lists, strings, numbers (Double), booleans and null. */
    static Object parse(String text) {
        int[] at = {0};
        return value(text, at);
    }

    private static void space(String t, int[] at) {
        while (at[0] < t.length() && Character.isWhitespace(t.charAt(at[0]))) {
            at[0]++;
        }
    }

    private static Object value(String t, int[] at) {
        space(t, at);
        char c = t.charAt(at[0]);
        if (c == '{') {
            java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
            at[0]++;
            space(t, at);
            while (t.charAt(at[0]) != '}') {
                String key = (String) value(t, at);
                space(t, at);
                at[0]++; // the colon
                map.put(key, value(t, at));
                space(t, at);
                if (t.charAt(at[0]) == ',') {
                    at[0]++;
                    space(t, at);
                }
            }
            at[0]++;
            return map;
        }
        if (c == '[') {
            List<Object> list = new ArrayList<>();
            at[0]++;
            space(t, at);
            while (t.charAt(at[0]) != ']') {
                list.add(value(t, at));
                space(t, at);
                if (t.charAt(at[0]) == ',') {
                    at[0]++;
                }
                space(t, at);
            }
            at[0]++;
            return list;
        }
        if (c == '"') {
            int start = at[0]++;
            while (t.charAt(at[0]) != '"') {
                at[0] += t.charAt(at[0]) == '\\' ? 2 : 1;
            }
            at[0]++;
            return string(t.substring(start, at[0]));
        }
        int start = at[0];
        while (at[0] < t.length() && ",]} \t\r\n".indexOf(t.charAt(at[0])) < 0) {
            at[0]++;
        }
        String word = t.substring(start, at[0]);
        switch (word) {
            case "true": return Boolean.TRUE;
            case "false": return Boolean.FALSE;
            case "null": return null;
            default: return Double.valueOf(word);
        }
    }

    /** The value of a JSON string literal. */
    static String string(String literal) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c != '\\') {
                s.append(c);
                continue;
            }
            char e = literal.charAt(++i);
            switch (e) {
                case 'n': s.append('\n'); break;
                case 'r': s.append('\r'); break;
                case 't': s.append('\t'); break;
                case 'b': s.append('\b'); break;
                case 'f': s.append('\f'); break;
                case 'u':
                    s.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default: s.append(e);
            }
        }
        return s.toString();
    }

    /** A string as a JSON literal. */
    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': q.append("\\\""); break;
                case '\\': q.append("\\\\"); break;
                case '\n': q.append("\\n"); break;
                case '\r': q.append("\\r"); break;
                case '\t': q.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
            }
        }
        return q.append('"').toString();
    }
}
