package titorelay.sheets;

/**
 * Keeps spreadsheet programs from running a CSV cell as a formula (CSV injection): a cell starting with one of
 * OWASP's trigger characters ({@code = + - @}, tab, carriage return) is written with a leading apostrophe, so it is
 * shown as text. Attendees type names and answers themselves, so any cell may start that way; a negative amount or
 * a phone number is prefixed too, as OWASP advises.
 * <p>
 * Reading the file back removes exactly the apostrophe that writing added, so the relay never sees its own
 * apostrophe as a change: a value that itself starts with apostrophes before a trigger character ({@code '=x}) gets
 * one more when written, and loses only that one when read.
 */
final class CsvFormulaGuard {

    private static final String TRIGGERS = "=+-@\t\r";

    private CsvFormulaGuard() {
    }

    /** The cell as written to the file. */
    static String guard(String value) {
        return startsLikeFormula(value) || looksGuarded(value) ? "'" + value : value;
    }

    /** The value a cell of the file stands for. */
    static String unguard(String cell) {
        return looksGuarded(cell) ? cell.substring(1) : cell;
    }

    private static boolean startsLikeFormula(String value) {
        return !value.isEmpty() && TRIGGERS.indexOf(value.charAt(0)) >= 0;
    }

    /** One or more apostrophes, then a trigger character. */
    private static boolean looksGuarded(String value) {
        int quotes = 0;
        while (quotes < value.length() && value.charAt(quotes) == '\'') {
            quotes++;
        }
        return quotes > 0 && startsLikeFormula(value.substring(quotes));
    }
}
