// The dashboard's page parts, bundled as text (infra/build/bundle.py): the page's HTML from
// page/, its script and style sheet built from page/ into build/<stack>/.
declare module "*.svg" {
  const source: string;
  export default source;
}
declare module "*.html" {
  const source: string;
  export default source;
}
declare module "dashboard-script" {
  const source: string;
  export default source;
}
declare module "dashboard-style" {
  const source: string;
  export default source;
}
