<?php
/**
 * The owner's way into Sapa after connecting: "Open Sapa" and whether the invitation Sapa sent to the
 * WordPress admin's e-mail was accepted (POST /stores/connect and GET /stores/me "owner", "dashboard_url").
 *
 * @package Sapa
 */

/**
 * Settings page and status route: the owner's invitation.
 */
class OwnerInvitationTest extends Sapa_Test_Case {

	const DASHBOARD = 'http://127.0.0.1:3000';

	/**
	 * Sapa's 201 to a connect, inviting the admin's e-mail.
	 *
	 * @return array
	 */
	private function created() {
		return array(
			201,
			array(
				'store_id'        => '7d7e8f5a-1111-4222-8333-444455556666',
				'api_key'         => 'sapa_sk_NEWKEY_secret_part_9Z7Q',
				'whatsapp_number' => null,
				'sync'            => array( 'status' => 'pending' ),
				'owner'           => array(
					'email'  => 'admin@example.org',
					'status' => 'pending',
				),
				'dashboard_url'   => self::DASHBOARD,
			),
		);
	}

	/**
	 * GET /stores/me with the owner in a given state.
	 *
	 * @param string $status Owner invitation status.
	 * @return array
	 */
	private function store( $status ) {
		return array(
			'store_id'        => '7d7e8f5a-1111-4222-8333-444455556666',
			'whatsapp_number' => null,
			'whatsapp_mode'   => 'provision',
			'sync'            => array( 'status' => 'done' ),
			'owner'           => array(
				'email'  => 'admin@example.org',
				'status' => $status,
			),
			'dashboard_url'   => self::DASHBOARD,
		);
	}

	/**
	 * A REST request through WordPress's server.
	 *
	 * @param string $method Method.
	 * @param string $route  Route.
	 * @return WP_REST_Response
	 */
	private function rest( $method, $route ) {
		return rest_do_request( new WP_REST_Request( $method, $route ) );
	}

	/**
	 * Connects through the settings form as the administrator.
	 */
	private function connect() {
		$this->as_admin();
		$this->post_form(
			'sapa_connect',
			array(
				'api_url'       => self::API_URL,
				'connect_token' => 'operator-connect-token-42',
				'whatsapp_mode' => 'provision',
			)
		);
	}

	public function test_after_connect_the_page_offers_open_sapa_and_says_the_invitation_is_pending() {
		$this->answer_sapa(
			function () {
				return $this->created();
			}
		);
		$this->connect();

		$connection = Sapa_Options::connection();
		$this->assertSame( self::DASHBOARD, $connection['dashboard_url'] );
		$this->assertSame( 'pending', $connection['owner']['status'] );

		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );
		$this->assertMatchesRegularExpression( '#<a class="button button-primary" id="sapa-open" href="http://127\.0\.0\.1:3000"[^>]*>Open Sapa</a>#', $html );
		$this->assertStringNotContainsString( 'hidden>Open Sapa', $html );
		$this->assertMatchesRegularExpression( '#<p id="sapa-owner-status" data-status="pending">Invitation sent to admin@example\.org, not accepted yet#', $html );
	}

	public function test_the_status_route_reports_the_accepted_invitation_and_the_page_keeps_it() {
		$this->answer_sapa(
			function ( $method, $path ) {
				return '/stores/connect' === $path ? $this->created() : array( 200, $this->store( 'accepted' ) );
			}
		);
		$this->connect();

		$data = $this->rest( 'GET', '/sapa/v1/status' )->get_data();
		$this->assertSame(
			array(
				'email'  => 'admin@example.org',
				'status' => 'accepted',
				'error'  => '',
			),
			$data['owner']
		);
		$this->assertSame( 'Invitation accepted: admin@example.org signs in to Sapa as the store\'s owner.', $data['owner_text'] );
		$this->assertSame( self::DASHBOARD, $data['dashboard_url'] );

		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );
		$this->assertStringContainsString( '<p id="sapa-owner-status" data-status="accepted">Invitation accepted', $html );
	}

	public function test_an_expired_invitation_and_an_unsent_e_mail_are_said_plainly() {
		$this->assertStringContainsString(
			'expired without being accepted',
			Sapa_Settings_Page::owner_text( Sapa_Connection::owner_from( $this->store( 'expired' ) ) )
		);
		$answer                   = $this->store( 'pending' );
		$answer['owner']['error'] = 'Supabase Auth did not send the invitation: <b>SMTP down</b>';
		$text                     = Sapa_Settings_Page::owner_text( Sapa_Connection::owner_from( $answer ) );
		$this->assertStringContainsString( 'The invitation e-mail could not be sent: Supabase Auth did not send the invitation: SMTP down', $text );
	}

	public function test_a_sapa_that_does_not_report_the_owner_hides_open_sapa_and_says_so() {
		$this->given_connected();
		$this->as_admin();
		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );
		$this->assertMatchesRegularExpression( '#id="sapa-open" href=""[^>]*hidden>Open Sapa</a>#', $html );
		$this->assertStringContainsString( 'This Sapa server does not report the owner&#039;s invitation.', $html );

		$this->answer_sapa(
			function () {
				return array(
					200,
					array(
						'store_id' => '00000000-0000-4000-8000-0000000000aa',
						'sync'     => array( 'status' => 'done' ),
					),
				);
			}
		);
		$data = $this->rest( 'GET', '/sapa/v1/status' )->get_data();
		$this->assertNull( $data['owner'] );
		$this->assertSame( '', $data['dashboard_url'] );
	}
}
