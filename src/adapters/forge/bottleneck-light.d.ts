// Types for bottleneck's light build (the one @octokit/plugin-throttling uses); the package types only its main entry.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
