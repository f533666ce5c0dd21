//! Function words left out of terms and stripped from the ends of entity names.
//!
//! English in full, plus the most frequent function words of German, French, Spanish and
//! Italian so that mixed collections are not dominated by them. IDF already down-weights
//! frequent words; the list matters most for tiny collections.

const WORDS: &str = "a about above after again against all also although am among an and another \
any are around as at be because been before being below between both but by can could did do \
does doing done down during each either else even ever every few for from further had has have \
having he her here hers herself him himself his how however i if in into is it its itself just \
last least less like made make many may me might more most much must my myself near neither no \
nor not now of off often on once one only or other others our ours ourselves out over own per \
put rather said same say says she should since so some still such than that the their theirs \
them themselves then there these they this those though through thus to too under until up upon \
us very via was we were what when where whether which while who whom whose why will with within \
without would yet you your yours yourself also according told tuesday monday wednesday thursday \
friday saturday sunday new two three first next week day days year years time mr mrs ms \
der die das und ist nicht ein eine einer einem einen den dem des mit von zu auf für im sich auch \
als an bei nach aus wie wird werden wurde sind hat haben oder aber noch nur so vor dass es er sie \
wir ihr um über am zum zur bis durch gegen mehr kann schon \
le la les un une des du de et est pas pour dans sur au aux par plus qui que ne se ce il elle ils \
en avec sont ont été être cette mais ou son sa ses leur \
el los las del y en es por con para una su al lo como más pero sus le ya o fue este ha sí \
porque esta entre cuando muy sin sobre también ser hay \
il di che è per non con si da lo della dei delle nel alla ed gli anche sono ha come più ma";

/// Whether a lowercased word is a stopword.
pub fn is_stopword(lower: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| WORDS.split_whitespace().collect())
        .contains(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert!(is_stopword("the"));
        assert!(is_stopword("und"));
        assert!(!is_stopword("putin"));
        assert!(!is_stopword("The"), "callers lowercase first");
    }
}
