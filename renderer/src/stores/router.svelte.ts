/** Screens are addressed by the URL fragment (#/review, #/photo/42), so reload keeps the place. */
export type Route =
  | { screen: 'import' }
  | { screen: 'review' }
  | { screen: 'photo'; photoId: number }
  | { screen: 'map' }
  | { screen: 'export' }
  | { screen: 'models' };

export const SCREENS = ['import', 'review', 'map', 'export', 'models'] as const;

function parse(hash: string): Route {
  const [screen, id] = hash.replace(/^#\/?/, '').split('/');
  if (screen === 'photo' && id && /^\d+$/.test(id)) return { screen: 'photo', photoId: Number(id) };
  if (screen === 'import' || screen === 'map' || screen === 'export' || screen === 'models') return { screen };
  return { screen: 'review' };
}

class Router {
  route = $state<Route>(parse(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parse(location.hash);
    });
  }

  go(route: Route): void {
    location.hash = route.screen === 'photo' ? `#/photo/${route.photoId}` : `#/${route.screen}`;
  }
}

export const router = new Router();
