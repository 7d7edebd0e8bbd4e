package titorelay.signature;

import java.util.List;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import titorelay.settings.Settings;
import titorelay.storage.DataDirectory;

/**
 * The {@code verifyTitoSignature} step of routes/ingress.yaml, with the tokens of {@code tito.security-tokens} (or
 * the one generated into the data directory when none is set).
 */
public final class SignatureWiring implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        List<String> tokens = SecurityTokens.configuredOrGenerated(
                Settings.of(camelContext).text("tito.security-tokens"), DataDirectory.of(camelContext));
        camelContext.getRegistry().bind("verifyTitoSignature", new VerifyTitoSignature(new TitoSignature(tokens)));
    }
}
