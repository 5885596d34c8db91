import { WEB_PROVIDERS } from './index.js'; console.log(WEB_PROVIDERS);
