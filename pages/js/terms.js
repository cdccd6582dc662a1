// The terms page: the operator's name and jurisdiction and the support links, from env.js.
import { OPERATOR_JURISDICTION, OPERATOR_NAME } from "../env.js";
import { showSupport } from "./support.js";

const $ = (id) => document.getElementById(id);

if (OPERATOR_NAME) $("operator-name").textContent = OPERATOR_NAME;
$("operator-jurisdiction").textContent = OPERATOR_JURISDICTION;
$("operator-jurisdiction-clause").hidden = !OPERATOR_JURISDICTION;
showSupport($("terms-support"), null);
