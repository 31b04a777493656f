// Countries for the shipping address: ISO 3166-1 alpha-2 codes, named in the
// reader's language by the browser (Intl.DisplayNames).
import { el } from "./dom.js";
import { locale } from "./i18n.js";

const CODES = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
`
  .trim()
  .split(/\s+/);

/** A country's name in the reader's language ("United States", "美国"), else its code. */
export function countryName(code, localeTag = locale()) {
  try {
    return new Intl.DisplayNames([localeTag], { type: "region" }).of(code) || code;
  } catch (_unsupported) {
    return code;
  }
}

/** The country of the browser's first language with a region ("en-GB" -> "GB"), or "". */
export function guessCountry() {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const region = String(tag).split("-").slice(1).find((part) => /^[A-Za-z]{2}$/.test(part));
    if (region && CODES.includes(region.toUpperCase())) {
      return region.toUpperCase();
    }
  }
  return "";
}

/** Fill `select` with every country, sorted by name in the reader's language; keeps its value. */
export function fillCountrySelect(select, placeholder) {
  const keep = select.value || guessCountry();
  const named = CODES.map((code) => [code, countryName(code)]);
  const collator = new Intl.Collator(locale());
  named.sort((a, b) => collator.compare(a[1], b[1]));
  select.replaceChildren(
    el("option", { value: "", textContent: placeholder, disabled: true }),
    ...named.map(([code, name]) => el("option", { value: code, textContent: name })),
  );
  select.value = keep;
  if (!select.value) {
    select.value = "";
  }
}
