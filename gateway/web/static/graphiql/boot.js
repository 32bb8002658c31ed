// Starts GraphiQL on the demo's /graphql page (gateway/web/graphiql.py). A file rather than
// an inline script, so the page's Content-Security-Policy can say script-src 'self'. The
// libraries are the UMD builds in vendor/ (gateway/web/graphiql_assets.py): they define the
// React, ReactDOM, GraphiQL and GraphiQLPluginExplorer globals used here.
(function () {
  "use strict";

  var EXAMPLE_QUERY = [
    "# Caseline's GraphQL API: Ctrl-Enter runs the query.",
    "#",
    "# Public lookups need no sign-in. For your own",
    "# cases, run `caseline dev-token ana` and put",
    "# the token in the Headers tab below:",
    '#   {"Authorization": "Bearer <token>"}',
    "",
    "{",
    "  agencies { id name }",
    '  caseStatus(number: "IOE0990000001") {',
    "    ... on CaseStatus { title category agency { name } updatedAt }",
    "    ... on CaseLookupError { code message }",
    "  }",
    "}",
    ""
  ].join("\n");

  // The page is served by /graphql itself: ask the same address, without its query string.
  var url = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: url });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: EXAMPLE_QUERY,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      // A bearer token typed into the headers stays in this tab, not in localStorage.
      shouldPersistHeaders: false,
      inputValueDeprecation: true
    })
  );
})();
