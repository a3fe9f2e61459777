package org.moelab.kernel.client;

import org.moelab.kernel.MagicException;

/** The backend did not answer at all (nothing listening, wrong URL, timed out). */
public final class BackendUnavailableException extends MagicException {

    public BackendUnavailableException(String baseUrl, String why) {
        super("the moelab backend is not reachable at " + baseUrl + " (" + why + "); start it with ./moelab serve"
                + " (or set MOELAB_BACKEND_URL)");
    }
}
