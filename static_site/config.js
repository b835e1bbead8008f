// Runtime configuration. The deploy step overwrites this file with the
// API Gateway URL, e.g. window.UNIONCORE_CONFIG = { apiBase: "https://abc.execute-api.us-west-2.amazonaws.com/api" };
window.UNIONCORE_CONFIG = { apiBase: "/api" };
