package titorelay.sheets;

import java.io.IOException;
import java.net.SocketTimeoutException;

import com.google.api.client.http.HttpResponseException;

/**
 * A failed spreadsheet call, sorted into what to do about it: wait and try again (quota, Google's own errors,
 * time-outs), or stop and tell a person (no such spreadsheet, no permission).
 */
public final class SpreadsheetException extends IOException {

    public SpreadsheetException(Throwable cause) {
        super(describe(cause), cause);
    }

    public static boolean isRetryable(Throwable failure) {
        HttpResponseException response = responseOf(failure);
        if (response != null) {
            int status = response.getStatusCode();
            return status == 429 || status == 408 || status >= 500;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException && !(t instanceof SpreadsheetException)) {
                return true; // time-outs, refused connections, a full disk for the CSV files
            }
        }
        return false;
    }

    /** Google refused the request's content (400): it would refuse it again, but maybe not a part of it. */
    public static boolean isBadRequest(Throwable failure) {
        HttpResponseException response = responseOf(failure);
        return response != null && response.getStatusCode() == 400;
    }

    /** Google's Retry-After, in milliseconds, or 0. */
    public static long retryAfterMillis(Throwable failure) {
        HttpResponseException response = responseOf(failure);
        if (response == null || response.getHeaders() == null || response.getHeaders().getRetryAfter() == null) {
            return 0;
        }
        try {
            return Long.parseLong(response.getHeaders().getRetryAfter().strip()) * 1000;
        } catch (NumberFormatException httpDate) {
            return 0;
        }
    }

    /** What a person should do about a permanent failure. */
    public static String advice(Throwable failure) {
        HttpResponseException response = responseOf(failure);
        int status = response == null ? 0 : response.getStatusCode();
        return switch (status) {
            case 401 -> "Google refused the credentials: check sheets.credentials or sheets.access-token";
            case 403 -> "No permission to edit the spreadsheet: share it (as Editor) with the service account's email";
            case 404 -> "No such spreadsheet: check sheets.spreadsheet-id";
            default -> describe(failure);
        };
    }

    private static String describe(Throwable failure) {
        HttpResponseException response = responseOf(failure);
        if (response != null) {
            return "HTTP " + response.getStatusCode() + " " + firstLine(response.getContent() != null
                    ? response.getContent() : response.getStatusMessage());
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return "timed out";
            }
        }
        return failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    private static HttpResponseException responseOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException response) {
                return response;
            }
        }
        return null;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        String compact = text.replaceAll("\\s+", " ").strip();
        return compact.length() > 200 ? compact.substring(0, 200) + "…" : compact;
    }
}
